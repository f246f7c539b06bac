package workload

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Params sizes the presets. A zero field means "use the default" (see
// DefaultParams) unless Exact is set; Fill applies the defaults and sets
// Exact.
//
// Note: Exact is the least invasive way to let zero mean zero where zero
// is allowed (a Net step with no delay or an empty body, seed 0) without
// pointer fields everywhere: Go callers and suite files keep "zero =
// default", while the CLI (whose flags all carry their defaults) and every
// filled Params say "these values exactly". Fill is idempotent because it
// leaves an Exact Params alone.
type Params struct {
	// Sleep is the wait of io-sleep and blocking-mistake tasks.
	Sleep time.Duration `json:"sleep_ns"`
	// Kernel and Units size a CPU step (units of work, not wall time; see
	// Calibrate to convert milliseconds on the running machine).
	Kernel Kernel `json:"kernel"`
	Units  uint32 `json:"units"`
	// Block is the blocking call of blocking-mistake; BlockEvery is K: one
	// task in K blocks.
	Block      time.Duration `json:"block_ns"`
	BlockEvery int           `json:"block_every"`
	// NetDelay and NetSize shape a Net step (server delay, response bytes).
	NetDelay time.Duration `json:"net_delay_ns"`
	NetSize  int64         `json:"net_size"`
	// ReadSize is the bytes one File step reads; FileSize the size of each
	// data file; Files how many data files the trial creates.
	ReadSize int64 `json:"read_size"`
	FileSize int64 `json:"file_size"`
	Files    int   `json:"files"`
	// Seed makes randomised parts (file offsets) reproducible.
	Seed uint64 `json:"seed"`
	// Exact says every field is as given: zero means zero, and Validate
	// refuses a zero where zero is not allowed instead of defaulting it.
	// It is not written to JSON, so results files (and the configuration
	// keys report and compare derive from their params) are unchanged; a
	// trial child marks the filled params it receives Exact itself.
	Exact bool `json:"-"`
	// Nonce and Key are the trial's proof secrets (proof.go), set by the
	// harness, never by a user, and never written to JSON: Nonce is drawn
	// at time zero and handed to the model then; Key is the data set's
	// secret, from which MakeFiles derives the files' content, and is
	// never handed to a model. Zero (tests) is a valid, public value.
	Nonce uint64 `json:"-"`
	Key   uint64 `json:"-"`
}

// DefaultParams are the sizes used when a field is zero.
var DefaultParams = Params{
	Sleep:      10 * time.Millisecond,
	Kernel:     SHA256,
	Units:      2000, // about 1 ms on a 2020s x86 core with SHA extensions
	Block:      50 * time.Millisecond,
	BlockEvery: 1000,
	NetDelay:   5 * time.Millisecond,
	NetSize:    1024,
	ReadSize:   4096,
	FileSize:   16 << 20,
	Files:      4,
	Seed:       1,
	Exact:      true,
}

// Fill returns p with every zero field replaced by its default, marked
// Exact; an Exact p is returned unchanged.
func (p Params) Fill() Params {
	if p.Exact {
		return p
	}
	d := DefaultParams
	orDefault(&p.Sleep, d.Sleep)
	orDefault(&p.Units, d.Units)
	orDefault(&p.Block, d.Block)
	orDefault(&p.BlockEvery, d.BlockEvery)
	orDefault(&p.NetDelay, d.NetDelay)
	orDefault(&p.NetSize, d.NetSize)
	orDefault(&p.ReadSize, d.ReadSize)
	orDefault(&p.FileSize, d.FileSize)
	orDefault(&p.Files, d.Files)
	orDefault(&p.Seed, d.Seed)
	p.Exact = true
	return p
}

func orDefault[T comparable](v *T, d T) {
	var zero T
	if *v == zero {
		*v = d
	}
}

// Validate reports the first impossible size, naming what is allowed. A
// zero field is a default unless p is Exact; then it must be allowed as
// zero (NetDelay, NetSize, Seed) or it is refused.
func (p Params) Validate() error {
	f := p.Fill()
	switch {
	case f.Sleep <= 0 || f.Sleep > time.Hour:
		return fmt.Errorf("sleep %v out of range (allowed 0 < sleep <= 1h)", f.Sleep)
	case f.Block <= 0 || f.Block > time.Hour:
		return fmt.Errorf("block %v out of range (allowed 0 < block <= 1h)", f.Block)
	case f.Units == 0 || f.Units > 1<<30:
		return fmt.Errorf("units %d out of range (allowed 1..%d)", f.Units, 1<<30)
	case f.BlockEvery <= 0 || f.BlockEvery > MaxTasks:
		return fmt.Errorf("block-every %d out of range (allowed 1..%d)", f.BlockEvery, MaxTasks)
	case f.NetDelay < 0 || f.NetDelay > time.Minute:
		return fmt.Errorf("net delay %v out of range (allowed 0..1m)", f.NetDelay)
	case f.NetSize < 0 || f.NetSize > 64<<20:
		return fmt.Errorf("net size %d out of range (allowed 0..64MiB)", f.NetSize)
	case f.ReadSize <= 0 || f.ReadSize > 16<<20:
		return fmt.Errorf("read size %d out of range (allowed 1..16MiB)", f.ReadSize)
	case f.FileSize <= 0 || f.FileSize > 4<<30:
		return fmt.Errorf("file size %d out of range (allowed 1..4GiB)", f.FileSize)
	case f.ReadSize > f.FileSize:
		return fmt.Errorf("read size %d larger than file size %d", f.ReadSize, f.FileSize)
	case f.Files <= 0 || f.Files > 1024:
		return fmt.Errorf("files %d out of range (allowed 1..1024)", f.Files)
	case int(f.Kernel) >= len(Kernels):
		return fmt.Errorf("unknown kernel %d", f.Kernel)
	}
	return nil
}

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
const MaxTasks = 10_000_000

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
