package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"concbench/workload"
)

// Shape is a load shape: when tasks arrive.
type Shape uint8

// The load shapes.
const (
	// Batch: every task arrives at t=0 (asyncio.gather).
	Batch Shape = iota
	// Closed: Clients clients, each submitting its next task when its
	// previous one completes (wrk-style).
	Closed
	// Open: task i arrives at Arrivals[i] whether or not earlier tasks
	// finished; latency counts from that intended arrival.
	Open
)

// String returns the shape's name.
func (s Shape) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	}
	return "batch"
}

// Load says when a trial's tasks arrive. The harness builds it; models
// release tasks by it (most through Trial.Feed; the event loop on its own
// timers), and Trial.Begin refuses a task the load has not released yet.
type Load struct {
	Shape Shape
	// Clients is the closed load's client count.
	Clients int
	// Arrivals is the open load's intended arrival of each task in ns from
	// the trial start, non-decreasing; nil for batch and closed.
	Arrivals []int64
	// Spec is the user's spelling, e.g. "open:5000:poisson", for reports.
	Spec string
}

// Trial is one run of tasks under a load, handed to a model. Models report
// progress through Begin, Finish and Fail, which write the Recorder.
type Trial struct {
	Tasks []workload.Task
	Load  Load
	Env   workload.Env
	Rec   *Recorder

	// nonce is the trial's proof nonce (workload proof.go), 0 until the
	// harness starts the clock.
	nonce   uint64
	ctx     context.Context
	cancel  context.CancelCauseFunc
	stopped atomic.Bool
	stop    func() bool
	// released carries, under a closed load, the task each completion
	// frees (its arrival is freed[j]).
	released chan int

	// The release ledger (README, "How a trial is measured": load by construction): what the
	// harness itself knows of when each task may start, in fields no
	// model can write. arrivals is the harness's own copy of an open
	// load's schedule; under a closed load finished counts completions and
	// freed[j] is the end stamp of the completion that freed task j's
	// client (-1 until then).
	arrivals []int64
	clients  int
	finished atomic.Int64
	freed    []int64
	// feeding is set once Feed runs: only then do completions queue the
	// tasks they free on released.
	feeding atomic.Bool

	mu      sync.Mutex
	extra   map[string]float64
	pids    map[int]struct{}
	all     []int
	workers int
}

// NewTrial prepares a trial; track records the OS thread id of every step
// (for tests: it costs a syscall per step).
func NewTrial(ctx context.Context, tasks []workload.Task, load Load, env workload.Env, track bool) *Trial {
	tr := &Trial{Tasks: tasks, Load: load, Env: env, Rec: NewRecorder(len(tasks), track)}
	tr.ctx, tr.cancel = context.WithCancelCause(ctx)
	tr.stop = context.AfterFunc(tr.ctx, func() { tr.stopped.Store(true) })
	switch load.Shape {
	case Closed:
		// At most C completions wait to be fed at once while the model
		// keeps the load (a client has one task outstanding).
		tr.clients = min(load.Clients, len(tasks))
		tr.released = make(chan int, tr.clients)
		tr.freed = make([]int64, len(tasks))
		for j := range tr.freed {
			tr.freed[j] = -1
		}
	case Open:
		tr.arrivals = append([]int64(nil), load.Arrivals...)
	}
	return tr
}

// Nonce is the trial's nonce: a random number the harness draws as it
// starts the clock, after Prepare, and which every CPU and File step's
// output depends on (workload.CPUSeed, workload.FileSet.Read), so that no
// output can be computed before time zero. It is 0 until then: read it in
// Run, not in Prepare.
func (tr *Trial) Nonce() uint64 { return tr.nonce }

// SetNonce is called by the harness at time zero, before Run, and never
// again.
func (tr *Trial) SetNonce(n uint64) { tr.nonce = n }

// ReleasedAt returns when the harness released task i, in ns since time
// zero, from its own ledger (batch: 0; open: its scheduled arrival;
// closed: 0 for the first clients, else the end stamp of the completion
// that freed its client), and false if it never released it.
func (tr *Trial) ReleasedAt(i int) (int64, bool) {
	switch tr.Load.Shape {
	case Open:
		return tr.arrivals[i], true
	case Closed:
		if i < tr.clients {
			return 0, true
		}
		return tr.freed[i], tr.freed[i] >= 0
	}
	return 0, true
}

// gate returns why task i may not begin at now (ns since time zero), or
// "" if the harness has released it: under an open load not before its
// scheduled arrival, under a closed load of C clients task j >= C not
// before j-C+1 tasks have finished. It costs an atomic load or a slice
// read per task.
func (tr *Trial) gate(i int, now int64) string {
	switch tr.Load.Shape {
	case Open:
		if at := tr.arrivals[i]; now < at {
			return fmt.Sprintf("begun at %v, before its scheduled arrival at %v (evidence harness-release)", time.Duration(now), time.Duration(at))
		}
	case Closed:
		if need, done := int64(i-tr.clients+1), tr.finished.Load(); need > done {
			return fmt.Sprintf("begun while %d tasks had finished; closed:%d releases it at completion %d (evidence harness-release)", done, tr.clients, need)
		}
	}
	return ""
}

// HarnessBytes is the harness's own memory per task of the trial beyond
// the recorder's slots (Recorder.SlotBytes): the closed load's ledger.
func (tr *Trial) HarnessBytes() int {
	if tr.freed != nil {
		return 8
	}
	return 0
}

// SetWorkers records how many worker processes (or runner processes and
// their pool) run the model's tasks beside this process, each on one
// thread: part of the model's parallelism bound.
func (tr *Trial) SetWorkers(n int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.workers = n
}

// Workers returns what SetWorkers recorded (0 if never called).
func (tr *Trial) Workers() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.workers
}

// Context is cancelled when the trial fails or its parent context ends.
func (tr *Trial) Context() context.Context { return tr.ctx }

// Close releases the trial's context.
func (tr *Trial) Close() {
	tr.stop()
	tr.cancel(nil)
}

// Stopped reports, with one atomic load, whether the trial has failed or
// been cancelled; models check it before starting a task.
func (tr *Trial) Stopped() bool { return tr.stopped.Load() }

// Begin records that task i starts executing and returns the start time.
// A task the harness has not released yet (see ReleasedAt) fails the
// trial: a model cannot start task i early, whether or not it uses Feed.
func (tr *Trial) Begin(i int) int64 {
	r := tr.Rec
	now := r.Now()
	r.Start[i] = now
	r.inflight.enter()
	if tr.Load.Shape != Batch {
		if why := tr.gate(i, now); why != "" {
			tr.Fail(i, errors.New(why))
		}
	}
	return now
}

// Finish records that task i completed with result res. Under a closed
// load its end timestamp is also the arrival of its client's next task.
func (tr *Trial) Finish(i int, res uint64) {
	r := tr.Rec
	end := r.Now()
	r.End[i] = end
	r.Result[i] = res
	r.inflight.exit()
	if tr.released != nil {
		if j := tr.clients - 1 + int(tr.finished.Add(1)); j < len(tr.freed) {
			tr.freed[j] = end
			if !tr.feeding.Load() {
				return // the model releases tasks itself; Begin gates them
			}
			select {
			case tr.released <- j:
			default:
				// Only a model with more than C tasks outstanding fills
				// the queue (C completions not yet fed).
				tr.Fail(i, fmt.Errorf("completed while %d freed clients waited to be fed: more than closed:%d tasks outstanding (evidence harness-release)", tr.clients, tr.clients))
			}
		}
	}
}

// Fail records that task i failed with err; the first failure ends the
// trial (its context is cancelled) and becomes the trial's error.
func (tr *Trial) Fail(i int, err error) {
	tr.Rec.fail(fmt.Errorf("task %d: %w", tr.Tasks[i].ID, err))
	tr.stopped.Store(true)
	tr.cancel(tr.Rec.Err())
}

// Abort stops the trial for a cause that is no task's fault (a worker
// process that died while idle, say); err becomes the trial's error unless
// a task failed first.
func (tr *Trial) Abort(err error) {
	tr.Rec.fail(err)
	tr.stopped.Store(true)
	tr.cancel(tr.Rec.Err())
}

// Err returns the first task failure, or nil.
func (tr *Trial) Err() error { return tr.Rec.Err() }

// Feed releases tasks to submit according to the load, on the calling
// goroutine, recording each intended arrival. It returns when every task
// has been released, or early with the context's error. Under a closed load
// the model must call Finish for every task so the next one is released.
//
// Under a closed load the first C tasks arrive at the trial start, and the
// next task's arrival is the end timestamp of the task that freed its
// client (the very value Finish recorded), not the time this goroutine got
// to run: a client's request goes out the instant its previous one
// completes, so any delay before the model starts it (the feeder preempted
// by a CPU-bound step, say) counts as the client's wait.
//
// Feed is advice on when to start tasks; the harness's own ledger
// (ReleasedAt) and Begin's gate are what hold a model to the load.
func (tr *Trial) Feed(submit func(i int)) error {
	n := len(tr.Tasks)
	r := tr.Rec
	switch tr.Load.Shape {
	case Closed:
		// The C clients start with the trial (Arrive is already 0), as
		// a batch does.
		tr.feeding.Store(true)
		c := min(tr.Load.Clients, n)
		for i := 0; i < c; i++ {
			submit(i)
		}
		for range n - c {
			select {
			case j := <-tr.released:
				r.Arrive[j] = tr.freed[j]
				submit(j)
			case <-tr.ctx.Done():
				return context.Cause(tr.ctx)
			}
		}
	case Open:
		var timer *time.Timer
		defer func() {
			if timer != nil {
				timer.Stop()
			}
		}()
		for i := 0; i < n; i++ {
			at := tr.Load.Arrivals[i]
			r.Arrive[i] = at
			if d := at - r.Now(); d > 0 {
				if timer == nil {
					timer = time.NewTimer(time.Duration(d))
				} else {
					timer.Reset(time.Duration(d))
				}
				select {
				case <-timer.C:
				case <-tr.ctx.Done():
					return context.Cause(tr.ctx)
				}
			} else if tr.ctx.Err() != nil {
				return context.Cause(tr.ctx)
			}
			submit(i)
		}
	default:
		// Arrive is already 0 for every task.
		for i := 0; i < n; i++ {
			submit(i)
		}
	}
	return nil
}

// SetExtra records a model-specific figure (restarts, IPC bytes, ...).
func (tr *Trial) SetExtra(key string, v float64) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.extra == nil {
		tr.extra = map[string]float64{}
	}
	tr.extra[key] = v
}

// Extra returns a copy of the model-specific figures.
func (tr *Trial) Extra() map[string]float64 {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := make(map[string]float64, len(tr.extra))
	for k, v := range tr.extra {
		out[k] = v
	}
	return out
}

// AddPID registers a live child process whose CPU and memory belong to the
// trial (the harness samples its RSS); RemovePID forgets it once reaped.
func (tr *Trial) AddPID(pid int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.pids == nil {
		tr.pids = map[int]struct{}{}
	}
	tr.pids[pid] = struct{}{}
	tr.all = append(tr.all, pid)
}

// RemovePID forgets a reaped child process.
func (tr *Trial) RemovePID(pid int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	delete(tr.pids, pid)
}

// LivePIDs returns the registered live child processes.
func (tr *Trial) LivePIDs() []int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	out := make([]int, 0, len(tr.pids))
	for p := range tr.pids {
		out = append(out, p)
	}
	sort.Ints(out)
	return out
}

// AllPIDs returns every child process ever registered, in order.
func (tr *Trial) AllPIDs() []int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]int(nil), tr.all...)
}
