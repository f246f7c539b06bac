package models

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"

	"concbench/workload"
	"concbench/workload/taskhttp"
)

// Server is implemented by a model that can also serve: it runs an
// HTTP/1.1 server in the design the model has in life (an iterative
// server, an epoll reactor, a goroutine or OS thread per connection, a
// worker pool, prefork processes) on h.Listener, answering each request
// for task I (package taskhttp) by running task I's steps inside the
// handler. Serve returns when ctx ends, after closing the listener and
// every connection, or with the first error that stops the server.
type Server interface {
	Serve(ctx context.Context, h *Handling) error
}

// Handling is what a model's server serves: the listening socket, the task
// list (built by the server from the same workload, size and params as the
// load generator's), the environment of the I/O steps, and the server's
// ledger.
type Handling struct {
	Listener *net.TCPListener
	Tasks    []workload.Task
	Env      workload.Env
	// Ready, if set, is called once when the server accepts connections
	// (MarkReady); the harness publishes the address only then.
	Ready func()
	ready sync.Once

	// Served counts answered requests, Accepted accepted connections:
	// the server's ledger, compared with the load generator's.
	Served, Accepted atomic.Int64
	open             Gauge

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	shut  bool
	pids  []int
}

// ObserveConns raises the peak of open connections to n (a prefork
// worker's own peak).
func (h *Handling) ObserveConns(n int64) { h.open.observe(n) }

// AddPID records a process that served (a prefork worker).
func (h *Handling) AddPID(pid int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pids = append(h.pids, pid)
}

// PIDs returns the processes that served besides the server's own.
func (h *Handling) PIDs() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.pids...)
}

// MarkReady calls Ready once: the server is accepting connections. Every
// Server calls it (ServeEach does).
func (h *Handling) MarkReady() {
	h.ready.Do(func() {
		if h.Ready != nil {
			h.Ready()
		}
	})
}

// PeakConns is the most connections the server held open at once.
func (h *Handling) PeakConns() int64 { return h.open.Peak() }

// Accept returns the next connection, registered so Shutdown closes it;
// after the listener is closed it returns net.ErrClosed.
func (h *Handling) Accept() (net.Conn, error) {
	c, err := h.Listener.Accept()
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.shut {
		c.Close()
		return nil, net.ErrClosed
	}
	if h.conns == nil {
		h.conns = map[net.Conn]struct{}{}
	}
	h.conns[c] = struct{}{}
	h.Accepted.Add(1)
	h.open.enter()
	return c, nil
}

// ConnOpened and ConnClosed keep the ledger of a server that accepts on
// its own (the event loop's accept4 on a non-blocking socket).
func (h *Handling) ConnOpened() {
	h.Accepted.Add(1)
	h.open.enter()
}

// ConnClosed records that a connection ConnOpened counted was closed.
func (h *Handling) ConnClosed() { h.open.exit() }

// CloseConn closes a connection Accept returned and forgets it.
func (h *Handling) CloseConn(c net.Conn) {
	h.mu.Lock()
	_, ok := h.conns[c]
	delete(h.conns, c)
	h.mu.Unlock()
	if ok {
		h.open.exit()
		c.Close()
	}
}

// Shutdown closes the listener and every open connection, so blocked
// accepts, reads and writes return; servers call it when ctx ends.
func (h *Handling) Shutdown() {
	h.Listener.Close()
	h.mu.Lock()
	h.shut = true
	cs := h.conns
	h.conns = nil
	h.mu.Unlock()
	for c := range cs {
		h.open.exit()
		c.Close()
	}
}

// IsClosed reports whether err is the end of the listener or connection
// that Shutdown causes (or the peer closing), not a fault.
func IsClosed(err error) bool {
	return errors.Is(err, net.ErrClosed)
}

// NewExec is the blocking step executor of a server of the given
// concurrency (0 = unlimited), for Inline.
func (h *Handling) NewExec(concurrency int) (*workload.Exec, error) {
	return workload.NewExec(h.Env, Conns(concurrency, 1<<20))
}

// RunTask runs task i's steps with blocking calls on the calling
// goroutine, with the request's proof nonce, and returns its answer: the folded result and the OS thread
// and process that ran the steps.
func (h *Handling) RunTask(ctx context.Context, ex *workload.Exec, i int, nonce uint64) (taskhttp.Answer, error) {
	if i >= len(h.Tasks) {
		return taskhttp.Answer{}, fmt.Errorf("task index %d out of range (%d tasks)", i, len(h.Tasks))
	}
	t := h.Tasks[i]
	var acc uint64
	for k, s := range t.Steps {
		out, err := ex.Step(ctx, t, k, nonce)
		if err != nil {
			return taskhttp.Answer{}, fmt.Errorf("task %d: %w", t.ID, StepError(k, s, err))
		}
		acc = workload.Mix(acc, out)
	}
	return taskhttp.Answer{Digest: acc, Tid: int(Gettid()), Pid: os.Getpid()}, nil
}

// RunFunc runs task i with the request's nonce inside a handler and
// returns its answer.
type RunFunc func(i int, nonce uint64) (taskhttp.Answer, error)

// Inline is the RunFunc of a handler that runs the task itself, on the
// connection's goroutine, with blocking calls.
func (h *Handling) Inline(ctx context.Context, ex *workload.Exec) RunFunc {
	return func(i int, nonce uint64) (taskhttp.Answer, error) { return h.RunTask(ctx, ex, i, nonce) }
}

// ServeConn answers requests on c, one at a time, each with run, until the
// client closes it, a request is malformed or fails (answered 500), or
// Shutdown closes it; with once, it answers one request with "Connection:
// close" (an iterative server). It closes c. Errors of the connection
// itself end it silently: the load generator, not the server, judges lost
// requests.
func (h *Handling) ServeConn(c net.Conn, run RunFunc, once bool) {
	defer h.CloseConn(c)
	in := make([]byte, 0, 512)
	out := make([]byte, 0, 256)
	for {
		i, nonce, n, err := taskhttp.ParseRequest(in)
		if err != nil {
			c.Write(taskhttp.AppendError(out[:0], err.Error()))
			return
		}
		if n == 0 {
			if len(in) == cap(in) {
				in = append(in, 0)[:len(in)]
			}
			m, err := c.Read(in[len(in):cap(in)])
			if m == 0 && err != nil {
				return
			}
			in = in[:len(in)+m]
			continue
		}
		in = in[:copy(in, in[n:])]
		a, err := run(i, nonce)
		if err != nil {
			c.Write(taskhttp.AppendError(out[:0], err.Error()))
			return
		}
		if _, err := c.Write(taskhttp.AppendResponse(out[:0], a, once)); err != nil {
			return
		}
		h.Served.Add(1)
		if once {
			return
		}
	}
}

// ServeEach accepts connections and serves each (ServeConn with run) on a
// goroutine that spawn starts (spawn must run f on a new goroutine), at
// most limit connections at once (0 = unlimited); the rest wait in the
// kernel's accept queue. It returns when ctx ends or accepting fails,
// after every connection is closed and every serving goroutine has
// returned.
func ServeEach(ctx context.Context, h *Handling, limit int, spawn func(f func()), run RunFunc) error {
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, h.Shutdown)
	defer func() {
		stop()
		h.Shutdown()
		wg.Wait()
	}()
	var sem chan struct{}
	if limit > 0 {
		sem = make(chan struct{}, limit)
	}
	h.MarkReady()
	for {
		if sem != nil {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
		}
		c, err := h.Accept()
		if err != nil {
			if ctx.Err() != nil || IsClosed(err) {
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		wg.Add(1)
		spawn(func() {
			defer wg.Done()
			h.ServeConn(c, run, false)
			if sem != nil {
				<-sem
			}
		})
	}
}
