package models

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Recorder holds a trial's per-task timestamps in preallocated slots, so the
// hot path takes no lock and allocates nothing: each slot is written by the
// one goroutine (or thread) running that task. Times are monotonic ns since
// Recorder.Start.
type Recorder struct {
	// Arrive is the intended arrival, Start when execution began, End when
	// the task completed; Result the task's folded step outputs.
	Arrive, Start, End []int64
	Result             []uint64
	// Inner is the service time measured by an executor in another process
	// (multiproc workers), or nil; it separates IPC from work.
	Inner []int64
	// Tids, when tracking is on, holds the OS thread id that ran each
	// task's steps (-1 if its steps ran on different threads).
	Tids []int32

	base     time.Time
	mono     monoBase
	inflight Gauge
	cpu      Gauge

	errMu sync.Mutex
	err   error
}

// NewRecorder allocates slots for n tasks.
func NewRecorder(n int, track bool) *Recorder {
	r := &Recorder{
		Arrive: make([]int64, n),
		Start:  make([]int64, n),
		End:    make([]int64, n),
		Result: make([]uint64, n),
		base:   time.Now(),
	}
	if track {
		r.Tids = make([]int32, n)
	}
	return r
}

// Prefault writes every slot once, so the pages behind them are resident
// before the trial's baseline RSS is read: the harness's own per-task
// memory then stays out of the model's memory per in-flight task.
func (r *Recorder) Prefault() {
	for _, s := range [][]int64{r.Arrive, r.Start, r.End, r.Inner} {
		clear(s)
	}
	clear(r.Result)
	clear(r.Tids)
}

// SlotBytes is the harness's own memory per task in the recorder: the
// arrival, start and end stamps, the result, and the thread id and inner
// time when kept.
func (r *Recorder) SlotBytes() int {
	b := 3*8 + 8
	if r.Tids != nil {
		b += 4
	}
	if r.Inner != nil {
		b += 8
	}
	return b
}

// Reset sets time zero of the trial to now.
func (r *Recorder) Reset() {
	r.mono.mu.Lock()
	defer r.mono.mu.Unlock()
	r.base = time.Now()
	r.mono.known = false
}

// monoBase caches the Recorder's time zero on CLOCK_MONOTONIC.
type monoBase struct {
	mu        sync.Mutex
	known     bool
	base, tol int64
}

// MonoBase returns the Recorder's time zero on CLOCK_MONOTONIC (so a
// CLOCK_MONOTONIC reading m of this or another process on the host is
// trial time m - base) and how far off that estimate may be (half the
// narrowest of a few bracketing reads, +1 ns), or 0, 0 where the clock is
// not available. It is computed once per time zero, so every user (a
// runner's stamps, the latency server's ledger) converts with the very
// same base and their readings compare exactly, up to tol only against
// the Recorder's own stamps.
func (r *Recorder) MonoBase() (base, tol int64) {
	r.mono.mu.Lock()
	defer r.mono.mu.Unlock()
	if r.mono.known {
		return r.mono.base, r.mono.tol
	}
	r.mono.base, r.mono.tol = MonoBase(r.Now)
	r.mono.known = true
	return r.mono.base, r.mono.tol
}

// MonoBase returns the time zero of the clock now (ns since its own time
// zero) on CLOCK_MONOTONIC and how far off that estimate may be: half the
// narrowest of seven reads of now bracketed by CLOCK_MONOTONIC, +1 ns; 0,
// 0 where CLOCK_MONOTONIC is not available.
func MonoBase(now func() int64) (base, tol int64) {
	best := int64(math.MaxInt64)
	for range 7 {
		m0 := monotonic()
		t := now()
		m1 := monotonic()
		if m0 == 0 {
			return 0, 0
		}
		if m1-m0 < best {
			best, base = m1-m0, m0+(m1-m0)/2-t
		}
	}
	return base, best/2 + 1
}

// Base returns time zero of the trial.
func (r *Recorder) Base() time.Time { return r.base }

// Now returns monotonic ns since time zero.
func (r *Recorder) Now() int64 { return int64(time.Since(r.base)) }

// CPUEnter and CPUExit bracket a CPU step; the gauge's peak is the most CPU
// steps observed running at once.
func (r *Recorder) CPUEnter() { r.cpu.enter() }

// CPUExit ends a CPU step begun with CPUEnter.
func (r *Recorder) CPUExit() { r.cpu.exit() }

// ObserveCPU raises the CPU-step peak to n, for models that measure overlap
// elsewhere (multiproc workers report their CPU intervals).
func (r *Recorder) ObserveCPU(n int64) { r.cpu.observe(n) }

// ObserveInflight raises the in-flight peak to n, for models whose tasks
// run elsewhere.
func (r *Recorder) ObserveInflight(n int64) { r.inflight.observe(n) }

// PeakInflight is the most tasks observed executing at once.
func (r *Recorder) PeakInflight() int64 { return r.inflight.Peak() }

// InflightNow is the number of tasks executing now.
func (r *Recorder) InflightNow() int64 { return r.inflight.cur.Load() }

// PeakCPU is the most CPU steps observed running at once.
func (r *Recorder) PeakCPU() int64 { return r.cpu.Peak() }

// Finished counts completed tasks (those with an end time). Call it after
// the model has returned.
func (r *Recorder) Finished() int64 {
	var n int64
	for _, e := range r.End {
		if e != 0 {
			n++
		}
	}
	return n
}

// Thread records that task i ran a step on OS thread tid.
func (r *Recorder) Thread(i int, tid int32) {
	if r.Tids == nil {
		return
	}
	switch old := r.Tids[i]; {
	case old == 0:
		r.Tids[i] = tid
	case old != tid:
		r.Tids[i] = -1
	}
}

// Tracking reports whether thread ids are recorded.
func (r *Recorder) Tracking() bool { return r.Tids != nil }

func (r *Recorder) fail(err error) {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

// Err returns the first failure.
func (r *Recorder) Err() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return r.err
}

// Gauge counts things in progress and remembers the peak. The counter and
// the peak sit on separate cache lines.
type Gauge struct {
	cur  atomic.Int64
	_    [56]byte
	peak atomic.Int64
	_    [56]byte
}

func (g *Gauge) enter() { g.observe(g.cur.Add(1)) }

func (g *Gauge) exit() { g.cur.Add(-1) }

func (g *Gauge) observe(n int64) {
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// Peak returns the highest value observed.
func (g *Gauge) Peak() int64 { return g.peak.Load() }
