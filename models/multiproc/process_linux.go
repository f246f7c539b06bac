//go:build linux

package multiproc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"concbench/internal/child"
	"concbench/internal/tailbuf"
)

// Timeouts of the worker life cycle.
const (
	// helloTimeout bounds a worker's start: exec, runtime init, hello.
	helloTimeout = 10 * time.Second
	// exitGrace is how long a worker that closed its pipe may take to exit
	// before it is killed; stopGrace the same once its input is closed.
	exitGrace = 500 * time.Millisecond
	stopGrace = 2 * time.Second
	// maxBatch bounds the bytes of task frames written at once, so a
	// worker's input pipe never fills while it writes its results.
	maxBatch = 32 << 10
)

// worker is one worker process as seen from the parent. Only the goroutine
// driving it touches it.
type worker struct {
	slot   int
	pid    int
	cmd    *exec.Cmd
	in     fdWriter // write end of the task pipe
	out    fdReader // read end of the result pipe
	fr     frameReader
	stderr *tailbuf.Tail
	// queue holds the outstanding tasks' indices in dispatch order, which
	// is the order results come back in (a worker runs one at a time).
	queue   []int
	wbuf    []byte
	res     result
	cpu     []int64
	written int64
	reaped  bool
}

// spawn starts the worker process of slot and completes the hello.
func (p *procPool) spawn(slot int, respawned bool) (*worker, error) {
	tr, taskW, err := pipe()
	if err != nil {
		return nil, fmt.Errorf("multiproc worker %d: task pipe: %w", slot, err)
	}
	resR, rw, err := pipe()
	if err != nil {
		unix.Close(tr)
		unix.Close(taskW)
		return nil, fmt.Errorf("multiproc worker %d: result pipe: %w", slot, err)
	}
	// The child's ends, which os/exec dups into place.
	taskR, resW := os.NewFile(uintptr(tr), "multiproc-tasks"), os.NewFile(uintptr(rw), "multiproc-results")
	// Note: a race-enabled binary sleeps 1s at exit by default
	// (atexit_sleep_ms); workers of race-enabled test binaries skip it.
	env := []string{"GOMAXPROCS=1", "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")}
	if respawned {
		env = append(env, envRespawned+"=1")
	}
	// Note: the -test flags make a test binary that lacks the child.Main
	// hook in TestMain run no tests instead of recursing; the concbench
	// CLI never sees them because child.Main exits first.
	cmd, err := child.Command(p.ctx, Role, env, "-test.run=^$", "-test.bench=^$")
	if err == nil {
		cmd.ExtraFiles = []*os.File{taskR, resW} // fds 3 and 4 in the worker
		cmd.Stderr = &tailbuf.Tail{}
		cmd.WaitDelay = time.Second
		err = cmd.Start()
	}
	taskR.Close()
	resW.Close()
	if err != nil {
		unix.Close(taskW)
		unix.Close(resR)
		return nil, fmt.Errorf("multiproc worker %d: start: %w", slot, err)
	}
	w := &worker{slot: slot, pid: cmd.Process.Pid, cmd: cmd, in: fdWriter(taskW), out: fdReader(resR), stderr: cmd.Stderr.(*tailbuf.Tail)}
	w.fr.r = bufio.NewReaderSize(w.out, 64<<10)
	p.tr.AddPID(w.pid)

	body, err := json.Marshal(hello{Env: p.tr.Env, Slot: slot})
	if err == nil {
		w.wbuf = appendRaw(w.wbuf[:0], frameHello, body)
		err = w.write()
	}
	if err == nil {
		err = w.awaitReady()
	}
	if err != nil {
		w.kill()
		status := p.reap(w)
		return nil, fmt.Errorf("multiproc worker pid %d did not start (%s%s): %w; does the binary call child.Main() first (in main, or TestMain for tests)?",
			w.pid, status, w.stderrDetail(), err)
	}
	return w, nil
}

// awaitReady reads the worker's ready frame within helloTimeout.
func (w *worker) awaitReady() error {
	var late atomic.Bool
	t := time.AfterFunc(helloTimeout, func() { late.Store(true); w.kill() })
	typ, body, err := w.fr.next()
	t.Stop()
	if late.Load() {
		return fmt.Errorf("no ready frame within %v", helloTimeout)
	}
	if err != nil {
		return fmt.Errorf("awaiting ready frame: %w", err)
	}
	if typ != frameReady {
		return fmt.Errorf("%w: got frame type %q, want ready", ErrCorrupt, typ)
	}
	pid, err := decodeReady(body)
	if err != nil {
		return err
	}
	if pid != w.pid {
		return fmt.Errorf("%w: ready frame from pid %d, started pid %d", ErrCorrupt, pid, w.pid)
	}
	return nil
}

// write sends w.wbuf to the worker.
func (w *worker) write() error {
	if err := w.in.write(w.wbuf); err != nil {
		return fmt.Errorf("write to worker pid %d: %w", w.pid, err)
	}
	w.written += int64(len(w.wbuf))
	return nil
}

// closeIn closes the task pipe, which tells the worker to exit.
func (w *worker) closeIn() {
	if w.in >= 0 {
		unix.Close(int(w.in))
		w.in = -1
	}
}

// kill sends SIGKILL to the worker; os.Process makes it a no-op once the
// worker has been reaped, so timers may call it at any time.
func (w *worker) kill() { _ = w.cmd.Process.Kill() }

// reap waits for the worker to exit, closes the parent's pipe ends, drops
// its PID from the trial and returns its exit status ("exit status 2",
// "signal: killed"). It is idempotent.
func (p *procPool) reap(w *worker) string {
	if w.reaped {
		return w.status()
	}
	err := w.cmd.Wait()
	w.reaped = true
	w.closeIn()
	unix.Close(int(w.out))
	p.tr.RemovePID(w.pid)
	p.ipcBytes.Add(w.written + w.fr.n)
	p.mu.Lock()
	p.cpu = append(p.cpu, w.cpu...)
	p.mu.Unlock()
	w.cpu = nil
	if w.cmd.ProcessState == nil && err != nil {
		return err.Error()
	}
	return w.status()
}

func (w *worker) status() string {
	if w.cmd.ProcessState == nil {
		return "status unknown"
	}
	return w.cmd.ProcessState.String()
}

// stderrDetail returns ": " and the most telling line the worker wrote to
// stderr (a Go panic or fatal error line, else the last line), or "" if
// it wrote nothing.
func (w *worker) stderrDetail() string {
	out := w.stderr.String()
	if out == "" {
		return ""
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return ": " + strings.TrimSpace(l)
		}
	}
	return ": " + w.stderr.LastLine()
}
