package workload

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"concbench/workload/params"
)

// Params sizes the presets (defined in the data-only package params, so
// that readers of results files link no workload code).
type Params = params.Params

// DefaultParams are the sizes used when a field is zero.
var DefaultParams = params.DefaultParams

// Preset is a named workload: a recipe for n identical-by-construction tasks.
type Preset struct {
	Name string
	// Doc is one line for `concbench list`.
	Doc string
	// Needs says which outside resources the tasks touch, so the harness can
	// start the latency server or create the data files.
	NeedsNet, NeedsFiles bool
	// Build makes n tasks from filled params.
	Build func(n int, p Params) []Task
}

var presets = map[string]Preset{}

// Register adds a preset; it panics on a duplicate name (a programming error).
func Register(p Preset) {
	if _, dup := presets[p.Name]; dup {
		panic("workload: duplicate preset " + p.Name)
	}
	presets[p.Name] = p
}

// Lookup returns the preset called name, or an error listing the names.
func Lookup(name string) (Preset, error) {
	p, ok := presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("unknown workload %q (allowed: %s)", name, strings.Join(Names(), ", "))
	}
	return p, nil
}

// Names lists the presets in sorted order.
func Names() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MaxTasks bounds a trial's task count; larger counts are rejected as absurd.
const MaxTasks = params.MaxTasks

// Build makes n tasks of the named preset with params p (zero fields take
// their defaults). Tasks of one shape share their Steps slice.
func Build(name string, n int, p Params) ([]Task, error) {
	pr, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if n <= 0 || n > MaxTasks {
		return nil, fmt.Errorf("tasks %d out of range (allowed 1..%d)", n, MaxTasks)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return pr.Build(n, p.Fill()), nil
}

// same makes n tasks that all run steps.
func same(n int, steps ...Step) []Task {
	ts := make([]Task, n)
	for i := range ts {
		ts[i] = Task{ID: uint32(i), Steps: steps}
	}
	return ts
}

func init() {
	Register(Preset{Name: "noop", Doc: "one no-op step: pure harness + model overhead per task",
		Build: func(n int, p Params) []Task { return same(n, Step{}) }})
	Register(Preset{Name: "io-sleep", Doc: "one Sleep (default 10ms): pure waiting, like asyncio.sleep",
		Build: func(n int, p Params) []Task { return same(n, SleepStep(p.Sleep)) }})
	Register(Preset{Name: "cpu-hash", Doc: "one CPU step: sha256 rounds over 1 KiB (default 2000 units, ~1ms)",
		Build: func(n int, p Params) []Task { return same(n, CPUStep(p.Kernel, p.Units)) }})
	Register(Preset{Name: "blocking-mistake", Doc: "io-sleep tasks, but 1 in K (default 1000) also makes a blocking call (default 50ms)",
		Build: buildBlockingMistake})
	Register(Preset{Name: "io-net", Doc: "one HTTP/1.1 request to the loopback latency server (default 5ms delay, 1 KiB)",
		NeedsNet: true,
		Build:    func(n int, p Params) []Task { return same(n, NetStep(p.NetDelay, p.NetSize)) }})
	Register(Preset{Name: "mixed", Doc: "a web handler: Net 5ms -> CPU ~0.5ms -> Net 5ms",
		NeedsNet: true,
		Build: func(n int, p Params) []Task {
			return same(n, NetStep(p.NetDelay, p.NetSize), CPUStep(p.Kernel, max(p.Units/2, 1)), NetStep(p.NetDelay, p.NetSize))
		}})
	Register(Preset{Name: "io-file", Doc: "one random aligned read (default 4 KiB) from a real data file",
		NeedsFiles: true, Build: buildFile})
}

// buildBlockingMistake makes io-sleep tasks where one task in K (the middle
// one of each block of K, so tasks on both sides of it are in flight) also
// makes a blocking call after its sleep.
func buildBlockingMistake(n int, p Params) []Task {
	ts := same(n, SleepStep(p.Sleep))
	blocking := []Step{SleepStep(p.Sleep), BlockStep(p.Block)}
	k := p.BlockEvery
	for i := k / 2; i < n; i += k {
		ts[i].Steps = blocking
	}
	if n < k { // fewer tasks than K: still one blocker, in the middle
		ts[n/2].Steps = blocking
	}
	return ts
}

// BlockingTask reports whether t makes a Block step.
func BlockingTask(t Task) bool {
	for _, s := range t.Steps {
		if s.Kind == Block {
			return true
		}
	}
	return false
}

// buildFile makes one read per task at a seeded random offset aligned to
// ReadSize; the data file is chosen by FileIndex.
func buildFile(n int, p Params) []Task {
	rng := rand.New(rand.NewPCG(p.Seed, 0x5eed))
	slots := p.FileSize / p.ReadSize
	steps := make([]Step, n)
	ts := make([]Task, n)
	for i := range ts {
		steps[i] = FileStep(rng.Int64N(slots)*p.ReadSize, p.ReadSize)
		ts[i] = Task{ID: uint32(i), Steps: steps[i : i+1 : i+1]}
	}
	return ts
}

// FileIndex is the data file a task's File steps read: tasks are spread
// round-robin over the trial's files.
func FileIndex(t Task, files int) int {
	if files <= 0 {
		return 0
	}
	return int(t.ID) % files
}
