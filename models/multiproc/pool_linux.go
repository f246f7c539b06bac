//go:build linux

package multiproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"concbench/internal/child"
	"concbench/models"
	"concbench/workload"
)

func init() {
	models.Register(models.Info{
		Name:           "multiproc",
		Rank:           50,
		Doc:            "P worker processes, tasks framed over pipes (ProcessPoolExecutor)",
		Procs:          models.AllCPUs,
		Concurrency:    func() int { return runtime.NumCPU() },
		ConcurrencyDoc: "P worker processes (default: number of CPUs)",
		New:            newModel,
	})
	child.Register(Role, workerMain)
}

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

// New makes a model from a resolved config: Concurrency worker processes
// (at least 1), pipelining depth Depth (0 = DefaultDepth, at most
// MaxDepth), shared queue capacity Queue (0 = DefaultQueue) and Respawn.
func New(c models.Config) (*Model, error) {
	if c.Concurrency < 1 {
		return nil, fmt.Errorf("multiproc needs at least 1 worker process, got %d", c.Concurrency)
	}
	d := c.Depth
	if d == 0 {
		d = DefaultDepth
	}
	if d < 1 || d > MaxDepth {
		return nil, fmt.Errorf("multiproc depth %d out of range (allowed 1..%d)", c.Depth, MaxDepth)
	}
	q := c.Queue
	if q <= 0 {
		q = DefaultQueue
	}
	return &Model{workers: c.Concurrency, depth: d, queue: q, respawn: c.Respawn}, nil
}

// hello is the one JSON message a worker receives, before any task.
type hello struct {
	Env  workload.Env `json:"env"`
	Slot int          `json:"slot"`
}

// pool is the parent's state for one Run.
type pool struct {
	m      *Model
	tr     *models.Trial
	ctx    context.Context
	cancel context.CancelCauseFunc
	src    source
	// begun and retried are indexed by task; a task belongs to one
	// driving goroutine at a time, so they need no lock.
	begun, retried []bool

	ipcBytes atomic.Int64
	mu       sync.Mutex
	cpu      []int64 // CPU step intervals (start, end) of every worker
	err      error   // first failure not attributable to a task
}

// prepared is a started pool waiting for Run.
type prepared struct {
	p       *pool
	ws      []*worker
	startup time.Duration
	cleanup func()
}

// Prepare starts the P workers and waits for their hello, before the
// harness starts the trial's clock, so a trial measures a warm pool (as a
// ProcessPoolExecutor created before the work). Start-up time is recorded
// as the extra "startup_ms". Run calls Prepare itself if nobody did.
func (m *Model) Prepare(ctx context.Context, tr *models.Trial) error {
	n := len(tr.Tasks)
	for _, t := range tr.Tasks {
		if len(t.Steps) > maxSteps {
			return fmt.Errorf("multiproc: task %d has %d steps (allowed at most %d)", t.ID, len(t.Steps), maxSteps)
		}
	}
	m.pids = make([]int32, n)
	if n == 0 {
		return nil
	}
	if tr.Rec.Inner == nil {
		tr.Rec.Inner = make([]int64, n)
	}
	runCtx, cancel := context.WithCancelCause(tr.Context())
	stopAfter := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	cleanup := func() {
		stopAfter()
		cancel(nil)
	}
	p := &pool{m: m, tr: tr, ctx: runCtx, cancel: cancel, begun: make([]bool, n), retried: make([]bool, n)}

	t0 := time.Now()
	ws := make([]*worker, m.workers)
	errs := make([]error, m.workers)
	var wg sync.WaitGroup
	for k := range ws {
		wg.Go(func() { ws[k], errs[k] = p.spawn(k, false) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		for _, w := range ws {
			if w != nil {
				w.kill()
				p.reap(w)
			}
		}
		cleanup()
		return err
	}
	m.prep = &prepared{p: p, ws: ws, startup: time.Since(t0), cleanup: cleanup}
	return nil
}

// Run dispatches the trial's tasks to the prepared workers as they become
// idle (at most Depth outstanding per worker), and shuts every worker down
// and reaps it before returning.
func (m *Model) Run(ctx context.Context, tr *models.Trial) error {
	if len(tr.Tasks) == 0 {
		return nil
	}
	if m.prep == nil {
		if err := m.Prepare(ctx, tr); err != nil {
			return err
		}
	}
	prep := m.prep
	m.prep = nil
	defer prep.cleanup()
	p, ws, startup := prep.p, prep.ws, prep.startup
	n, runCtx := len(tr.Tasks), p.ctx
	var wg sync.WaitGroup

	var wait func() error
	if tr.Load.Shape == models.Batch {
		p.src = source{batch: true, n: int64(n), done: runCtx.Done()}
	} else {
		p.src.queue, wait = tr.FeedQueue(m.queue)
		p.src.done = runCtx.Done()
	}
	for _, w := range ws {
		wg.Go(func() { p.drive(w) })
	}
	wg.Wait()
	var feedErr error
	if wait != nil {
		feedErr = wait()
	}

	tr.Rec.ObserveCPU(peakOverlap(p.cpu))
	m.setExtras(tr, p, startup)
	if p.err != nil {
		return p.err
	}
	if err := tr.Err(); err != nil {
		return err
	}
	if feedErr != nil {
		return feedErr
	}
	return context.Cause(ctx)
}

// setExtras records the model's own figures in the trial.
func (m *Model) setExtras(tr *models.Trial, p *pool, startup time.Duration) {
	r := tr.Rec
	var ipc, done int64
	for i, end := range r.End {
		if m.pids[i] != 0 {
			ipc += end - r.Start[i] - r.Inner[i]
			done++
		}
	}
	tr.SetExtra("workers", float64(m.workers))
	tr.SetExtra("depth", float64(m.depth))
	tr.SetExtra("restarts", float64(m.restarts.Load()))
	tr.SetExtra("ipc_bytes", float64(p.ipcBytes.Load()))
	tr.SetExtra("startup_ms", float64(startup)/1e6)
	if done > 0 {
		// Dispatch-to-result time not spent running the task in the
		// worker: IPC, scheduling, and queueing in the pipeline.
		tr.SetExtra("ipc_overhead_us", float64(ipc)/float64(done)/1e3)
		tr.SetExtra("ipc_bytes_per_task", float64(p.ipcBytes.Load())/float64(done))
	}
}

// source is the shared queue workers pull from: an atomic cursor under a
// batch load (every task is queued at t=0), the FeedQueue channel otherwise.
type source struct {
	batch bool
	next  atomic.Int64
	n     int64
	queue <-chan int
	done  <-chan struct{}
}

// take returns the next task index and true, or false when none is ready
// (block = false), the queue is exhausted, or the run stopped; exhausted
// reports the latter two.
func (s *source) take(block bool) (i int, ok, exhausted bool) {
	if s.batch {
		if j := s.next.Add(1) - 1; j < s.n {
			return int(j), true, false
		}
		return 0, false, true
	}
	if block {
		select {
		case i, ok := <-s.queue:
			return i, ok, !ok
		case <-s.done:
			return 0, false, true
		}
	}
	select {
	case i, ok := <-s.queue:
		return i, ok, !ok
	default:
		return 0, false, false
	}
}

// worker is one worker process as seen from the parent. Only the goroutine
// driving it touches it.
type worker struct {
	slot   int
	pid    int
	cmd    *exec.Cmd
	in     fdWriter // write end of the task pipe
	out    fdReader // read end of the result pipe
	fr     frameReader
	stderr *tail
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
func (p *pool) spawn(slot int, respawned bool) (*worker, error) {
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
		cmd.Stderr = &tail{}
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
	w := &worker{slot: slot, pid: cmd.Process.Pid, cmd: cmd, in: fdWriter(taskW), out: fdReader(resR), stderr: cmd.Stderr.(*tail)}
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
			w.pid, status, w.stderr.summary(), err)
	}
	return w, nil
}

// pipe returns a blocking, close-on-exec pipe.
//
// Note: the parent's ends are raw fds read and written with blocking
// syscalls rather than *os.File in the netpoller: a result then wakes the
// thread blocked in read(2) directly instead of going through epoll and
// the scheduler, which shortens the no-op round trip.
func pipe() (r, w int, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return 0, 0, os.NewSyscallError("pipe2", err)
	}
	return fds[0], fds[1], nil
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
func (p *pool) reap(w *worker) string {
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

// stopped reports whether the run is over for reasons outside this worker.
func (p *pool) stopped() bool { return p.tr.Stopped() || p.ctx.Err() != nil }

// drive feeds one worker slot from the shared queue and collects its
// results until the queue is exhausted or the run stops. It replaces the
// worker when it crashes and Respawn is on.
func (p *pool) drive(w *worker) {
	tr := p.tr
	exhausted := false
	for {
		if p.stopped() {
			w.kill()
			p.reap(w)
			return
		}
		w.wbuf = w.wbuf[:0]
		for !exhausted && len(w.queue) < p.m.depth && len(w.wbuf) < maxBatch {
			i, ok, done := p.src.take(len(w.queue) == 0 && len(w.wbuf) == 0)
			if !ok {
				exhausted = done
				break
			}
			if !p.begun[i] {
				p.begun[i] = true
				tr.Begin(i)
			}
			w.wbuf = appendTask(w.wbuf, i, tr.Tasks[i])
			w.queue = append(w.queue, i)
		}
		if len(w.wbuf) > 0 {
			if err := w.write(); err != nil {
				if w = p.lost(w, err); w == nil {
					return
				}
				continue
			}
		}
		if len(w.queue) == 0 {
			p.retire(w)
			return
		}
		typ, body, err := w.fr.next()
		if err != nil {
			if w = p.lost(w, err); w == nil {
				return
			}
			continue
		}
		if err := p.handle(w, typ, body); err != nil {
			w.kill()
			p.reap(w)
			p.fail(w, err)
			return
		}
	}
}

// errStepFailed tells drive that a task failed (the trial already knows).
var errStepFailed = errors.New("step failed")

// handle processes one frame from a running worker.
func (p *pool) handle(w *worker, typ byte, body []byte) error {
	switch typ {
	case frameResult:
		if err := decodeResult(body, &w.res); err != nil {
			return fmt.Errorf("worker pid %d: %w", w.pid, err)
		}
		i, err := w.pop(w.res.slot)
		if err != nil {
			return err
		}
		r := p.tr.Rec
		r.Inner[i] = w.res.inner
		p.m.pids[i] = int32(w.res.pid)
		w.cpu = append(w.cpu, w.res.cpu...)
		p.tr.Finish(i, w.res.result)
		return nil
	case frameError:
		f, err := decodeError(body)
		if err != nil {
			return fmt.Errorf("worker pid %d: %w", w.pid, err)
		}
		i, err := w.pop(f.slot)
		if err != nil {
			return err
		}
		p.tr.Fail(i, fmt.Errorf("in worker pid %d: %s", f.pid, f.msg))
		return errStepFailed
	}
	return fmt.Errorf("worker pid %d: %w: unexpected frame type %q from a running worker", w.pid, ErrCorrupt, typ)
}

// pop removes the oldest outstanding task, which must be slot.
func (w *worker) pop(slot int) (int, error) {
	if len(w.queue) == 0 || w.queue[0] != slot {
		return 0, fmt.Errorf("worker pid %d: %w: answer for task slot %d, outstanding %v", w.pid, ErrCorrupt, slot, w.queue)
	}
	i := w.queue[0]
	copy(w.queue, w.queue[1:])
	w.queue = w.queue[:len(w.queue)-1]
	return i, nil
}

// fail ends the trial with err, naming the oldest task outstanding on w
// if there is one.
func (p *pool) fail(w *worker, err error) {
	if errors.Is(err, errStepFailed) {
		return
	}
	if len(w.queue) > 0 {
		p.tr.Fail(w.queue[0], err)
		return
	}
	p.mu.Lock()
	first := p.err == nil
	if first {
		p.err = err
	}
	p.mu.Unlock()
	p.cancel(err)
	if first {
		p.tr.Abort(fmt.Errorf("multiproc: %w", err))
	}
}

// lost handles a worker whose pipes broke: reading hit EOF, a truncated or
// corrupt frame, or writing hit EPIPE. It reaps the worker and either
// fails the trial (returning nil) or, with Respawn, returns a replacement
// that has been sent the lost worker's outstanding tasks again.
func (p *pool) lost(w *worker, ioErr error) *worker {
	if p.stopped() {
		w.kill()
		p.reap(w)
		return nil
	}
	if errors.Is(ioErr, ErrCorrupt) {
		w.kill()
		p.reap(w)
		p.fail(w, fmt.Errorf("worker pid %d: %w", w.pid, ioErr))
		return nil
	}
	// The worker is dying or dead; give it a moment to exit on its own so
	// its real status is reported, then make sure.
	t := time.AfterFunc(exitGrace, w.kill)
	status := p.reap(w)
	t.Stop()
	if p.stopped() {
		return nil
	}
	how := ""
	if errors.Is(ioErr, ErrTruncated) {
		how = " after a truncated frame"
	}
	cause := fmt.Sprintf("worker pid %d died (%s)%s", w.pid, status, how)
	detail := w.stderr.summary()
	if !p.m.respawn {
		if len(w.queue) == 0 {
			p.fail(w, errors.New(cause+" while idle"+detail))
		} else {
			p.fail(w, errors.New(cause+" while running it"+detail))
		}
		return nil
	}
	for _, i := range w.queue {
		if p.retried[i] {
			p.tr.Fail(i, errors.New(cause+" while running it, on its one retry"+detail))
			return nil
		}
		p.retried[i] = true
	}
	if r := p.m.restarts.Add(1); r > int64(len(p.tr.Tasks)+p.m.workers) {
		p.fail(w, fmt.Errorf("%s%s; giving up after %d restarts", cause, detail, r-1))
		return nil
	}
	nw, err := p.spawn(w.slot, true)
	if err != nil {
		p.fail(w, fmt.Errorf("replacing %s%s: %w", cause, detail, err))
		return nil
	}
	nw.queue = append(nw.queue, w.queue...)
	for _, i := range nw.queue {
		nw.wbuf = appendTask(nw.wbuf[:0], i, p.tr.Tasks[i])
		if err := nw.write(); err != nil {
			return p.lost(nw, err)
		}
	}
	return nw
}

// retire shuts an idle worker down: closing its task pipe makes it exit.
func (p *pool) retire(w *worker) {
	w.closeIn()
	t := time.AfterFunc(stopGrace, w.kill)
	typ, _, err := w.fr.next()
	t.Stop()
	status := p.reap(w)
	if p.stopped() {
		return
	}
	switch {
	case err == nil:
		p.fail(w, fmt.Errorf("worker pid %d: %w: unexpected frame type %q at shutdown", w.pid, ErrCorrupt, typ))
	case w.cmd.ProcessState == nil || !w.cmd.ProcessState.Success():
		p.fail(w, fmt.Errorf("worker pid %d exited with %s at shutdown%s", w.pid, status, w.stderr.summary()))
	}
}
