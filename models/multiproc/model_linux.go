//go:build linux

package multiproc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"concbench/models"
)

// supported reports whether the model can run here: it can on Linux.
func supported() error { return nil }

// procPool is the parent's state for one Run.
type procPool struct {
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
	p       *procPool
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
	p := &procPool{m: m, tr: tr, ctx: runCtx, cancel: cancel, begun: make([]bool, n), retried: make([]bool, n)}

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
func (m *Model) setExtras(tr *models.Trial, p *procPool, startup time.Duration) {
	r := tr.Rec
	var ipc, done int64
	for i, end := range r.End {
		if m.pids[i] != 0 {
			ipc += end - r.Start[i] - r.Inner[i]
			done++
		}
	}
	tr.SetWorkers(m.workers)
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

// Model runs trials and prepares them before the clock starts.
var (
	_ models.Model    = (*Model)(nil)
	_ models.Preparer = (*Model)(nil)
)
