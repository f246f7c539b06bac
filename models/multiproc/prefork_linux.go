//go:build linux

package multiproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"

	"concbench/internal/child"
	"concbench/internal/tailbuf"
	"concbench/models"
	"concbench/workload"
)

// PreforkRole is the child role of a prefork server worker.
const PreforkRole = "multiproc-prefork"

func init() { child.Register(PreforkRole, preforkMain) }

var _ models.Server = (*Model)(nil)

// preforkHello is what a prefork worker reads on stdin before serving.
type preforkHello struct {
	Tasks []workload.Task `json:"tasks"`
	Env   workload.Env    `json:"env"`
	// Addr is the server's address, where every worker listens too.
	Addr string `json:"addr"`
}

// readyLine is what a prefork worker prints when it listens.
const readyLine = "listening"

// preforkLedger is what a prefork worker writes on stdout when it stops.
type preforkLedger struct {
	Pid      int   `json:"pid"`
	Served   int64 `json:"served"`
	Accepted int64 `json:"accepted"`
	Peak     int64 `json:"peak_conns"`
}

// Serve is a prefork server (Apache's prefork MPM, gunicorn's sync
// workers): P worker processes, this binary re-executed, each listen on
// the server's address with SO_REUSEPORT (h.Listener must have it set),
// and the kernel spreads connections over their sockets by address hash;
// a worker serves its connections with a goroutine each on GOMAXPROCS=1.
// Once every worker listens, the parent closes its own socket (so no
// connection waits where nobody accepts) and marks the server ready. The
// parent only starts, watches and stops the workers, and sums their
// ledgers. A worker that dies stops the server with its exit status.
//
// Note: the workers first inherited the parent's one listening socket
// and raced in accept; a worker that started first took every connection
// of a burst (seen under the race detector), so "several processes
// accept" did not hold. SO_REUSEPORT spreads them by the kernel's hash.
func (m *Model) Serve(ctx context.Context, h *models.Handling) error {
	hello, err := json.Marshal(preforkHello{Tasks: h.Tasks, Env: h.Env, Addr: h.Listener.Addr().String()})
	if err != nil {
		return fmt.Errorf("prefork: %w", err)
	}
	hello = append(hello, '\n') // once: the workers' goroutines share it
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg, listening sync.WaitGroup
		mu            sync.Mutex
		errs          []error
		peak          int64 // the sum of the workers' peaks: at least the server's
	)
	listening.Add(m.workers)
	go func() {
		listening.Wait()
		if ctx.Err() == nil {
			h.Listener.Close()
			h.MarkReady()
		}
	}()
	for w := 0; w < m.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := runPrefork(ctx, hello, w, listening.Done)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if ctx.Err() == nil {
					cancel(err)
				}
				errs = append(errs, err)
				return
			}
			h.Served.Add(l.Served)
			h.Accepted.Add(l.Accepted)
			peak += l.Peak
			h.AddPID(l.Pid)
		}()
	}
	wg.Wait()
	h.ObserveConns(peak)
	h.Listener.Close()
	return errors.Join(errs...)
}

// runPrefork runs worker w until ctx ends (its stdin is closed: it stops
// accepting, closes its connections and writes its ledger); listening is
// called once, when the worker listens or has failed to.
func runPrefork(ctx context.Context, hello []byte, w int, listening func()) (preforkLedger, error) {
	var once sync.Once
	defer once.Do(listening)
	var l preforkLedger
	env := []string{"GOMAXPROCS=1", "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")}
	cmd, err := child.Command(context.WithoutCancel(ctx), PreforkRole, env, "-test.run=^$", "-test.bench=^$")
	if err != nil {
		return l, err
	}
	c, err := child.StartPiped(cmd, fmt.Sprintf("prefork worker %d", w))
	if err != nil {
		return l, err
	}
	stdin, stdout, stderr := c.Stdin, c.Stdout, c.Stderr
	// Stop the worker by closing its stdin when ctx ends; it may also die
	// on its own (the error says how).
	stop := context.AfterFunc(ctx, func() { stdin.Close() })
	defer stop()
	_, werr := stdin.Write(hello)
	out := bufio.NewReader(io.LimitReader(stdout, 1<<20))
	line, rerr := out.ReadString('\n')
	if rerr == nil && line != readyLine+"\n" {
		rerr = fmt.Errorf("worker said %q, want %q", line, readyLine)
	}
	once.Do(listening)
	rest, err := io.ReadAll(out)
	rerr = errors.Join(rerr, err)
	err = cmd.Wait()
	if err == nil {
		err = errors.Join(werr, rerr, json.Unmarshal(rest, &l))
	}
	if err != nil {
		return l, fmt.Errorf("prefork worker %d (pid %d): %w%s", w, cmd.Process.Pid, err, stderrLine(stderr))
	}
	return l, nil
}

func stderrLine(t *tailbuf.Tail) string {
	if s := strings.TrimSpace(t.String()); s != "" {
		return ": " + s
	}
	return ""
}

// preforkMain is a prefork worker: it listens on the server's address
// with SO_REUSEPORT; stdin carries the tasks, then stays open until the
// server stops.
func preforkMain() int {
	in := bufio.NewReaderSize(os.Stdin, 1<<16)
	line, err := in.ReadBytes('\n')
	var hello preforkHello
	if err == nil {
		err = json.Unmarshal(line, &hello)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "prefork worker: read tasks:", err)
		return 1
	}
	lc := net.ListenConfig{Control: models.ReusePort}
	ln, err := lc.Listen(context.Background(), "tcp", hello.Addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "prefork worker: listen:", err)
		return 1
	}
	fmt.Fprintln(os.Stdout, readyLine)
	h := &models.Handling{Listener: ln.(*net.TCPListener), Tasks: hello.Tasks, Env: hello.Env}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.Copy(io.Discard, in) // until the parent closes stdin
		cancel()
	}()
	ex, err := h.NewExec(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "prefork worker:", err)
		return 1
	}
	defer ex.Close()
	if err := models.ServeEach(ctx, h, 0, func(f func()) { go f() }, h.Inline(ctx, ex)); err != nil {
		fmt.Fprintln(os.Stderr, "prefork worker:", err)
		return 1
	}
	json.NewEncoder(os.Stdout).Encode(preforkLedger{Pid: os.Getpid(), Served: h.Served.Load(), Accepted: h.Accepted.Load(), Peak: h.PeakConns()})
	return 0
}
