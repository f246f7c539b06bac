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
	"time"

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
}

// preforkLedger is what a prefork worker writes on stdout when it stops.
type preforkLedger struct {
	Pid      int   `json:"pid"`
	Served   int64 `json:"served"`
	Accepted int64 `json:"accepted"`
	Peak     int64 `json:"peak_conns"`
}

// Serve is a prefork server (Apache's prefork MPM, gunicorn's sync
// workers): P worker processes, this binary re-executed, each inherit the
// ONE listening socket (fd 3) and accept from it, the kernel handing each
// connection to one of them; a worker serves its connections with a
// goroutine each on GOMAXPROCS=1. The parent only starts, watches and
// stops the workers, and sums their ledgers. A worker that dies stops the
// server with its exit status.
func (m *Model) Serve(ctx context.Context, h *models.Handling) error {
	lf, err := h.Listener.File()
	if err != nil {
		return fmt.Errorf("prefork: listening socket: %w", err)
	}
	hello, err := json.Marshal(preforkHello{Tasks: h.Tasks, Env: h.Env})
	if err != nil {
		lf.Close()
		return fmt.Errorf("prefork: %w", err)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		peak int64 // the sum of the workers' peaks: at least the server's
	)
	for w := 0; w < m.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l, err := runPrefork(ctx, lf, hello, w)
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
	lf.Close()
	h.Listener.Close()
	return errors.Join(errs...)
}

// runPrefork runs worker w until ctx ends (its stdin is closed: it stops
// accepting, closes its connections and writes its ledger).
func runPrefork(ctx context.Context, lf *os.File, hello []byte, w int) (preforkLedger, error) {
	var l preforkLedger
	env := []string{"GOMAXPROCS=1", "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")}
	cmd, err := child.Command(context.WithoutCancel(ctx), PreforkRole, env, "-test.run=^$", "-test.bench=^$")
	if err != nil {
		return l, err
	}
	cmd.ExtraFiles = []*os.File{lf}
	stderr := &tailbuf.Tail{}
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return l, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return l, err
	}
	if err := cmd.Start(); err != nil {
		return l, fmt.Errorf("prefork worker %d: start: %w", w, err)
	}
	// Stop the worker by closing its stdin when ctx ends; it may also die
	// on its own (the error says how).
	stop := context.AfterFunc(ctx, func() { stdin.Close() })
	defer stop()
	_, werr := stdin.Write(append(hello, '\n'))
	out, rerr := io.ReadAll(io.LimitReader(stdout, 1<<20))
	err = cmd.Wait()
	if err == nil {
		err = errors.Join(werr, rerr, json.Unmarshal(out, &l))
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

// preforkMain is a prefork worker: fd 3 is the shared listening socket,
// stdin carries the tasks then stays open until the server stops.
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
	f := os.NewFile(3, "listener")
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "prefork worker: listener:", err)
		return 1
	}
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
