package resultfmt

// ModelKind is how a model runs tasks concurrently.
type ModelKind string

// The model kinds.
const (
	// KindSequential runs one task at a time (its family's baseline).
	KindSequential ModelKind = "sequential"
	// KindEventLoop interleaves tasks on one loop thread.
	KindEventLoop ModelKind = "event-loop"
	// KindPerTask starts a thread (goroutine) per task.
	KindPerTask ModelKind = "per-task"
	// KindPool hands tasks to a fixed set of workers (threads or, with
	// Processes, OS processes).
	KindPool ModelKind = "pool"
)

// NullModel names the hidden calibration model whose trials measure the
// harness's own per-task cost (Feed, Begin, Finish and nothing else): the
// report sets each Go model's no-op overhead beside it. Its name is part of
// the results format, so the model and the report share this constant.
const NullModel = "null"

// FamilyGo is the runtime family of the models written in Go.
const FamilyGo = "Go"

// ModelTraits are what the analysis needs to know about a model, declared
// in its registration (models.Info) and recorded in results.json by the
// harness, so that a report names no model itself.
type ModelTraits struct {
	Name string `json:"name"`
	// Family is the runtime the model runs in: "Go", "Python", "Node.js".
	Family string `json:"family"`
	// Baseline is the family's one-thread model, the speedup baseline
	// (the model itself for the baseline).
	Baseline string    `json:"baseline"`
	Kind     ModelKind `json:"kind"`
	// Parallel says CPU steps can run on several cores at once (false for
	// one thread, an event loop, or threads under one GIL).
	Parallel bool `json:"parallel"`
	// Processes says each unit of concurrency is an OS process.
	Processes bool `json:"processes,omitempty"`
	// OSThreads says each unit of concurrency is an OS thread of its own
	// (a thread per task, 1:1), not a goroutine or a task on a loop.
	OSThreads bool `json:"os_threads,omitempty"`
}

// legacyTraits are the traits of the models that existed before results
// files recorded them (files written up to schema version 2 without
// "model_traits"): a frozen table, the migration of those files as
// ReadFile's conversion of version 1 is theirs. Newer models always record
// their traits.
var legacyTraits = []ModelTraits{
	{"sequential", FamilyGo, "sequential", KindSequential, false, false, false},
	{"eventloop", FamilyGo, "sequential", KindEventLoop, false, false, false},
	{"goroutines", FamilyGo, "sequential", KindPerTask, true, false, false},
	{"pool", FamilyGo, "sequential", KindPool, true, false, false},
	{"multiproc", FamilyGo, "sequential", KindPool, true, true, false},
	{"py-sequential", "Python", "py-sequential", KindSequential, false, false, false},
	{"py-asyncio", "Python", "py-sequential", KindEventLoop, false, false, false},
	{"py-uvloop", "Python", "py-sequential", KindEventLoop, false, false, false},
	{"py-threads", "Python", "py-sequential", KindPool, false, false, false},
	{"py-processes", "Python", "py-sequential", KindPool, true, true, false},
	{"node-eventloop", "Node.js", "node-eventloop", KindEventLoop, false, false, false},
	{"node-workers", "Node.js", "node-eventloop", KindEventLoop, true, false, false},
}

// TraitsOf returns the traits of every model of f by name: those the file
// records, else (an older file) the legacy table's. A model in neither has
// no entry; TraitsMissing lists such models.
func (f *File) TraitsOf() map[string]ModelTraits {
	out := map[string]ModelTraits{}
	for _, t := range legacyTraits {
		out[t.Name] = t
	}
	for _, t := range f.Traits {
		out[t.Name] = t
	}
	return out
}

// TraitsMissing lists the models that ran in f whose traits are unknown
// (neither recorded nor in the legacy table), in first-seen order.
func (f *File) TraitsMissing() []string {
	known := f.TraitsOf()
	var out []string
	seen := map[string]bool{}
	for _, r := range f.Trials {
		m := r.Spec.Model
		if _, ok := known[m]; !ok && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}
