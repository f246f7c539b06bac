// Package models defines the Model interface every concurrency model
// implements, the registry of models by name, and the Trial a model runs:
// the tasks, the load (when tasks arrive) and the Recorder the model writes
// per-task timestamps into.
//
// models imports workload only; it never imports bench or report. Each model
// lives in its own sub-package and registers itself from init; import
// concbench/models/all to get every model.
package models

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strings"
	"time"

	"concbench/resultfmt"
)

// Model executes a trial's tasks under the trial's load. Run returns when
// every task has finished (each recorded with Recorder.Finish), when a task
// fails (Recorder.Fail; Run returns that error), or when ctx ends.
// A Model value runs one trial; make a new one per trial.
type Model interface {
	Run(ctx context.Context, tr *Trial) error
}

// Preparer is implemented by models with set-up that belongs before the
// trial's clock starts (the multi-process model starts its workers, as a
// ProcessPoolExecutor is created before the work). The harness calls
// Prepare, then starts the clock, then calls Run; Run must also work
// without a Prepare.
type Preparer interface {
	Prepare(ctx context.Context, tr *Trial) error
}

// Config is what a user may set on a model. Zero fields take the model's
// defaults, declared in its Info.
type Config struct {
	// Concurrency is the model's degree of concurrency: the goroutine
	// limit (0 = unlimited), pool workers W, worker processes P, or the
	// event loop's max in-flight tasks (0 = unlimited).
	Concurrency int `json:"concurrency"`
	// Procs is GOMAXPROCS for the trial (0 = the model's default).
	Procs int `json:"gomaxprocs"`
	// Queue is the pool's bounded queue capacity (0 = default).
	Queue int `json:"queue,omitempty"`
	// Depth is the multi-process pipelining depth (0 = default 1).
	Depth int `json:"depth,omitempty"`
	// Respawn lets the multi-process model replace a crashed worker and
	// retry its task once.
	Respawn bool `json:"respawn,omitempty"`
	// Threads is the event loop's file thread-pool size (0 = default 4).
	Threads int `json:"threads,omitempty"`
}

// Info describes a registered model.
type Info struct {
	Name string
	// Doc is one line for `concbench list`.
	Doc string
	// Procs returns the default GOMAXPROCS.
	Procs func() int
	// Concurrency returns the default concurrency for Config.Concurrency == 0,
	// and ConcurrencyDoc says what it means ("unlimited", "W workers").
	Concurrency    func() int
	ConcurrencyDoc string
	// New makes a model for one trial from a resolved config.
	New func(Config) (Model, error)
	// Rank places the model in listings, tables and charts (lower first;
	// 0 sorts after every ranked model, then by name).
	Rank int
	// Hidden keeps a model (a test fake) out of Names, and so out of
	// listings, `--model all` and suites; Lookup still finds it.
	Hidden bool
	// TimerSlack is how much earlier than asked the model's timers may
	// fire: the harness accepts a task's service time down to its Sleep,
	// Block and Net waits minus this (0 for Go models, whose timers never
	// fire early; a runtime with millisecond timers such as libuv
	// declares 1 ms).
	TimerSlack time.Duration
	// Processes says each unit of Concurrency is an OS process, so the
	// harness bounds it by the machine (a million would be a fork bomb).
	Processes bool
	// OSThreads says each unit of Concurrency is an OS thread of its own
	// (recorded in resultfmt.ModelTraits).
	OSThreads bool
	// Family is the runtime the model runs in ("Go", "Python", "Node.js");
	// Baseline the family's one-thread model (the speedup baseline); Kind
	// how it runs tasks concurrently; Parallel whether CPU steps can run on
	// several cores at once. The harness records them with Processes in
	// results.json (resultfmt.ModelTraits): the report's analysis reads
	// these traits, never model names.
	Family   string
	Baseline string
	Kind     resultfmt.ModelKind
	Parallel bool
	// Runtime is set for a model that runs in another runtime (Python,
	// Node.js; see package concbench/runtimes): it returns the runtime and
	// version found on this machine, e.g. "CPython 3.11.7
	// (/usr/bin/python3)". Nil for Go models. Suites without a model list
	// run only the Go models: runtimes get experiments sized for them.
	Runtime func() string
	// Available returns why the model cannot run on this machine (its
	// runtime is missing or too old: the reason and the fix), or nil. Nil
	// Available means always available.
	Available func() error
	// FileThreads returns how many threads beside GOMAXPROCS may run the
	// model's file reads at once under cfg (a blocking read releases its
	// P, so GOMAXPROCS does not bound it): the event loop's offload pool,
	// the pool's workers, 1 for the sequential model, 0 where each worker
	// process reads on its one thread. Nil means one per task in flight
	// (cfg.Concurrency, or every task when unlimited). With GOMAXPROCS
	// and the worker processes (Trial.SetWorkers) it is the model's
	// parallelism bound (README, "How a trial is measured"), which the harness holds its CPU to.
	FileThreads func(cfg Config) int
}

// Traits are the model's traits as results.json records them.
func (i Info) Traits() resultfmt.ModelTraits {
	return resultfmt.ModelTraits{Name: i.Name, Family: i.Family, Baseline: i.Baseline, Kind: i.Kind, Parallel: i.Parallel, Processes: i.Processes, OSThreads: i.OSThreads}
}

// Usable returns the model's Available error, or nil.
func (i Info) Usable() error {
	if i.Available == nil {
		return nil
	}
	return i.Available()
}

// Resolve fills cfg's zero Procs and Concurrency with the model's defaults.
func (i Info) Resolve(cfg Config) Config {
	if cfg.Procs <= 0 {
		cfg.Procs = i.Procs()
	}
	if cfg.Concurrency <= 0 && i.Concurrency != nil {
		cfg.Concurrency = i.Concurrency()
	}
	return cfg
}

var registry = map[string]Info{}

// Register adds a model; it panics on a duplicate name (a programming error).
func Register(i Info) {
	if _, dup := registry[i.Name]; dup {
		panic("models: duplicate model " + i.Name)
	}
	if i.Procs == nil {
		i.Procs = AllCPUs
	}
	registry[i.Name] = i
}

// Lookup returns the model called name, or an error naming the allowed ones.
func Lookup(name string) (Info, error) {
	i, ok := registry[name]
	if !ok {
		return Info{}, fmt.Errorf("unknown model %q (allowed: %s, all, go)", name, strings.Join(Names(), ", "))
	}
	return i, nil
}

// Names lists the registered models in display order (by Rank, then
// name). The registry is the one list of models: listings, suites, charts
// and tests all derive from it.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n, i := range registry {
		if !i.Hidden {
			names = append(names, n)
		}
	}
	rank := func(n string) int {
		if r := registry[n].Rank; r > 0 {
			return r
		}
		return math.MaxInt
	}
	sort.Slice(names, func(a, b int) bool {
		if ra, rb := rank(names[a]), rank(names[b]); ra != rb {
			return ra < rb
		}
		return names[a] < names[b]
	})
	return names
}

// AllCPUs is the default GOMAXPROCS of parallel models.
func AllCPUs() int { return runtime.NumCPU() }

// One is the default GOMAXPROCS of single-threaded models.
func One() int { return 1 }
