// Package runtimes adds concurrency models that run in other runtimes:
// Python (sequential, asyncio, uvloop, ThreadPoolExecutor,
// ProcessPoolExecutor) and Node.js (the event loop, a worker_threads pool).
// They run the same task list as the Go models, under the same load
// shapes, against the same latency server and data files, and are measured
// and verified by the same harness (README, "Python and Node.js on the same
// tasks").
//
// Each model is a small runner script per runtime (python/runner.py,
// node/runner.js; standard library only), embedded in the binary (see
// the embed directives below). Prepare starts the runner (`python3 -c` / `node -e`) as a child
// of the trial process, writes it the trial (see wire.go) and waits until
// it has imported its modules and started its pools: that start-up is
// before the trial's clock and reported as the extra "startup_ms". Run
// sends the trial's time zero on CLOCK_MONOTONIC; the runner applies the
// load shape itself, timestamps each task with the same clock
// (time.monotonic_ns, process.hrtime.bigint) and writes back per-task
// arrival, start, end, result digest, the thread or process that ran it and
// every CPU step's interval. Run copies them into the trial's Recorder, so
// verification, percentiles, peak in-flight and peak concurrent CPU steps
// work as for every model. CPU and memory are sampled from outside over
// the whole process tree (runner and pool processes).
//
// The runner dies with the trial process (Pdeathsig) and runs in its own
// process group, which Run kills on failure, timeout or Ctrl-C, so no
// runner or pool worker outlives a trial; pool workers also arm
// Pdeathsig themselves.
//
// A model whose runtime is missing or too old is still registered but
// unavailable (models.Info.Available says why and how to fix it).
// Interpreters: python3 and node on PATH, or CONCBENCH_PYTHON and
// CONCBENCH_NODE; py-uvloop uses the first of those and /usr/bin/python3
// that can import uvloop.
package runtimes

import (
	_ "embed"
	"runtime"
	"time"

	"concbench/models"
	"concbench/models/pool"
	"concbench/resultfmt"
)

//go:embed python/runner.py
var pythonRunner string

//go:embed node/runner.js
var nodeRunner string

// The calibration programs (see idiomatic.go), prepended to the runners.
var (
	//go:embed python/idiomatic.py
	pythonIdiomatic string
	//go:embed node/idiomatic.js
	nodeIdiomatic string
)

// spec describes one runtime model.
type spec struct {
	name, runner, doc, concDoc string
	rank                       int
	// conc is the default concurrency; procs the default GOMAXPROCS of
	// the Go side (which only waits on the runner's pipe).
	conc, procs func() int
	// find returns the interpreter; node tells which runner it takes.
	find func() interp
	node bool
	// slack is the model's timer slack (models.Info.TimerSlack): libuv
	// timers (Node.js, uvloop) are millisecond-granular and may fire up
	// to 1 ms early.
	slack time.Duration
	// pool, if set, sizes the runner's worker pool apart from the
	// concurrency (node-workers: one worker thread per CPU).
	pool func() int
	// processes marks a concurrency counted in OS processes
	// (models.Info.Processes: bounded by the machine).
	processes bool
	// family, baseline, kind and parallel are the model's traits
	// (models.Info).
	family, baseline string
	kind             resultfmt.ModelKind
	parallel         bool
}

const (
	familyPython = "Python"
	familyNode   = "Node.js"
)

func zero() int { return 0 }
func one() int  { return 1 }

// specs are the runtime models, in display order after the Go models.
var specs = []spec{
	{name: "py-sequential", family: familyPython, baseline: "py-sequential", kind: resultfmt.KindSequential, parallel: false,
		runner: "sequential", rank: 110, conc: one, procs: one, find: python,
		doc: "Python: one task after another, blocking calls", concDoc: "1 (one task at a time)"},
	{name: "py-asyncio", family: familyPython, baseline: "py-sequential", kind: resultfmt.KindEventLoop, parallel: false,
		runner: "asyncio", rank: 120, conc: zero, procs: one, find: python,
		doc: "Python asyncio: one event loop, a coroutine per task", concDoc: "max tasks in flight (default unlimited)"},
	{name: "py-uvloop", family: familyPython, baseline: "py-sequential", kind: resultfmt.KindEventLoop, parallel: false,
		runner: "uvloop", rank: 125, conc: zero, procs: one, find: uvloopPython, slack: time.Millisecond,
		doc: "Python asyncio on uvloop's loop (libuv)", concDoc: "max tasks in flight (default unlimited)"},
	{name: "py-threads", family: familyPython, baseline: "py-sequential", kind: resultfmt.KindPool, parallel: false,
		runner: "threads", rank: 130, conc: func() int { return pool.DefaultWorkers }, procs: models.AllCPUs, find: python,
		doc: "Python ThreadPoolExecutor (one GIL)", concDoc: "W threads (default 32, as the Go pool)"},
	{name: "py-processes", family: familyPython, baseline: "py-sequential", kind: resultfmt.KindPool, parallel: true,
		runner: "processes", rank: 140, conc: runtime.NumCPU, procs: models.AllCPUs, find: python, processes: true,
		doc: "Python ProcessPoolExecutor, tasks pickled", concDoc: "P worker processes (default: number of CPUs)"},
	{name: "node-eventloop", family: familyNode, baseline: "node-eventloop", kind: resultfmt.KindEventLoop, parallel: false,
		runner: "eventloop", rank: 150, conc: zero, procs: one, find: node, node: true, slack: time.Millisecond,
		doc: "Node.js: one event loop; Block = Atomics.wait", concDoc: "max tasks in flight (default unlimited)"},
	{name: "node-workers", family: familyNode, baseline: "node-eventloop", kind: resultfmt.KindEventLoop, parallel: true,
		runner: "workers", rank: 160, conc: zero, procs: models.AllCPUs, find: node, node: true, slack: time.Millisecond, pool: runtime.NumCPU,
		doc: "Node.js event loop, CPU steps on a worker_threads pool (one thread per CPU)", concDoc: "max tasks in flight (default unlimited)"},
}

func init() {
	for _, s := range specs {
		register(s, false)
		register(idiomaticSpec(s), true)
	}
}

// register adds the model of s to the registry; hidden for a calibration.
func register(s spec, hidden bool) {
	{
		models.Register(models.Info{
			Name:           s.name,
			Doc:            s.doc,
			Rank:           s.rank,
			Procs:          s.procs,
			Concurrency:    s.conc,
			ConcurrencyDoc: s.concDoc,
			New: func(c models.Config) (models.Model, error) {
				return &Model{spec: s, cfg: c}, nil
			},
			TimerSlack: s.slack,
			Processes:  s.processes,
			Family:     s.family,
			Baseline:   s.baseline,
			Kind:       s.kind,
			Parallel:   s.parallel,
			Runtime:    func() string { return s.find().Label },
			Available:  func() error { return s.find().Err },
			Hidden:     hidden,
		})
	}
}

// Names lists the runtime models.
func Names() []string {
	out := make([]string, len(specs))
	for i, s := range specs {
		out[i] = s.name
	}
	return out
}
