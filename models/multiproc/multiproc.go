// Package multiproc is the multi-process model, Python's
// ProcessPoolExecutor written in Go: P worker OS processes, each the same
// binary re-executed in the "multiproc-worker" role, run one task at a time
// while the parent dispatches tasks to idle workers from a shared queue and
// collects results.
//
// Tasks and results travel as length-prefixed binary frames over a pair of
// pipes per worker (see frame.go); only the one-time hello carrying
// workload.Env is JSON. With Config.Depth > 1 the parent keeps up to Depth
// tasks outstanding per worker, hiding the round trip. Arrival and
// completion are stamped in the parent (tr.Begin on dispatch, tr.Finish on
// the result frame); the worker's own service time goes to tr.Rec.Inner, so
// latency and IPC overhead can be told apart. Workers report each CPU
// step's CLOCK_MONOTONIC interval, and the parent computes the peak overlap
// across processes for tr.Rec.ObserveCPU.
//
// Workers run with GOMAXPROCS=1, die with their parent (Pdeathsig), are
// registered with tr.AddPID while alive (the harness counts their CPU from
// the trial window's start, leaving their start-up out) and are reaped at
// the end of the trial. A crashed worker fails the trial naming the task,
// the worker PID and its exit status; with Config.Respawn it is replaced
// and its tasks retried once.
//
// # Using it from a binary
//
// Workers are the running executable started again with the environment
// variable CONCBENCH_ROLE=multiproc-worker, so every binary that runs this
// model must call child.Main() first: the concbench CLI does so in main,
// and a test binary must do it in TestMain:
//
//	func TestMain(m *testing.M) {
//		child.Main() // become a worker when re-executed as one
//		os.Exit(m.Run())
//	}
//
// Without the hook a worker would start the test binary's tests instead;
// the parent guards against that (workers get -test.run=^$ and must answer
// the hello), and reports the missing hook as an error.
//
// # Files
//
//	multiproc.go      registration, Config checks, the Model and its results
//	frame.go          the wire protocol: frame layout, encoders, decoders
//	model_linux.go    Prepare and Run: the pool of worker processes for one trial
//	process_linux.go  one worker process seen from the parent: spawn, hello, reap
//	dispatch_linux.go the shared queue, dispatch, results, crash recovery
//	serve_linux.go    the worker process's main: serves task frames
//	fault_linux.go    fault injection for tests (EnvFault)
//	fd_linux.go       raw blocking pipes shared by both sides
//
// The model needs Linux (Pdeathsig, /proc); elsewhere it is registered but
// New returns an error.
package multiproc

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"

	"concbench/models"
	"concbench/resultfmt"
)

func init() {
	models.Register(models.Info{
		Name:   "multiproc",
		Family: resultfmt.FamilyGo, Baseline: "sequential", Kind: resultfmt.KindPool, Parallel: true,
		Rank:           50,
		Doc:            "P worker processes, tasks framed over pipes (ProcessPoolExecutor; Linux only)",
		Procs:          models.AllCPUs,
		Concurrency:    func() int { return runtime.NumCPU() },
		ConcurrencyDoc: "P worker processes (default: number of CPUs)",
		Processes:      true,
		New:            newModel,
		// Each worker process reads on its one thread (Trial.SetWorkers).
		FileThreads: func(models.Config) int { return 0 },
	})
}

// Role is the child role name of a worker process.
const Role = "multiproc-worker"

// Environment variables read by workers.
const (
	// EnvFault injects a fault into workers, for this package's tests
	// only (a release binary ignores it; see faultsEnabled):
	// "task:ID:MODE" with MODE one of panic, exit, kill, corrupt, truncate
	// makes the worker that receives task ID fail that way before running
	// it. The fault fires only in original workers, not in replacements
	// started by Config.Respawn, unless the spec ends in ":always".
	EnvFault = "CONCBENCH_WORKER_FAULT"
	// envRespawned marks a replacement worker.
	envRespawned = "CONCBENCH_WORKER_RESPAWNED"
)

// Defaults and limits.
const (
	// DefaultDepth is the pipelining depth when Config.Depth is 0.
	DefaultDepth = 1
	// MaxDepth bounds Config.Depth, so a worker's outstanding result frames
	// always fit a pipe buffer and neither side can block the other.
	MaxDepth = 64
	// DefaultQueue is the shared queue's capacity under open and closed
	// loads when Config.Queue is 0.
	DefaultQueue = 1024
)

// Model is the multi-process model for one trial. Build it through the
// registry (models.Lookup("multiproc")) or New.
type Model struct {
	workers int
	depth   int
	queue   int
	respawn bool

	// pids[i] is the PID of the worker process that ran task i, as
	// reported in its result frame (0 if it did not finish).
	pids []int32
	// restarts counts replaced workers.
	restarts atomic.Int64
	// prep is the pool Prepare started, consumed by Run (Linux only).
	prep *prepared
}

// TaskPIDs returns, after Run, the PID of the worker process that ran each
// task (0 for a task that did not finish). Tests use it to check that
// tasks really ran in P separate processes.
func (m *Model) TaskPIDs() []int32 { return m.pids }

// Restarts returns how many crashed workers Run replaced.
func (m *Model) Restarts() int { return int(m.restarts.Load()) }

// New makes a model from a resolved config: Concurrency worker processes
// (at least 1), pipelining depth Depth (0 = DefaultDepth, at most
// MaxDepth), shared queue capacity Queue (0 = DefaultQueue) and Respawn.
// It fails on systems other than Linux.
func New(c models.Config) (*Model, error) {
	if err := supported(); err != nil {
		return nil, err
	}
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

// newModel adapts New to models.Info.New without wrapping a nil *Model in
// a non-nil interface.
func newModel(c models.Config) (models.Model, error) {
	m, err := New(c)
	if err != nil {
		return nil, err
	}
	return m, nil
}

// peakOverlap returns the most intervals (start, end pairs) that overlap
// at one instant; intervals that merely touch do not overlap.
func peakOverlap(iv []int64) int64 {
	type event struct {
		t int64
		d int64
	}
	evs := make([]event, 0, len(iv))
	for k := 0; k+1 < len(iv); k += 2 {
		evs = append(evs, event{iv[k], 1}, event{iv[k+1], -1})
	}
	slices.SortFunc(evs, func(a, b event) int {
		if c := cmp.Compare(a.t, b.t); c != 0 {
			return c
		}
		return cmp.Compare(a.d, b.d)
	})
	var cur, peak int64
	for _, e := range evs {
		cur += e.d
		peak = max(peak, cur)
	}
	return peak
}
