// Package params is the data of a workload's sizes: Params (what a results
// file records for every trial), its defaults and checks, and the CPU
// kernels' names. It is a leaf with no dependency beyond the standard
// library, so the schema (resultfmt) and its readers (report, compare) link
// no workload, network or system-call code.
package params

import (
	"fmt"
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
	// Nonce and Key are the trial's proof secrets (workload/proof.go), set
	// by the harness, never by a user, and never written to JSON: Nonce is
	// drawn at time zero and handed to the model then; Key is the data
	// set's secret, from which MakeFiles derives the files' content, and is
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

// MaxTasks bounds a trial's task count; larger counts are rejected as absurd.
const MaxTasks = 10_000_000

// Kernel names a deterministic CPU kernel.
type Kernel uint8

// The CPU kernels.
const (
	// SHA256 hashes a 1 KiB buffer once per unit, chaining each digest into
	// the next buffer, so no unit can be skipped or reordered.
	SHA256 Kernel = iota
	// Spin is an integer-only mixing loop (xorshift), 4096 rounds per unit;
	// it touches no memory, so it shows pure scheduling without cache effects.
	Spin
)

// Kernels lists every kernel by name.
var Kernels = map[string]Kernel{"sha256": SHA256, "spin": Spin}

// String returns the kernel's name.
func (k Kernel) String() string {
	switch k {
	case SHA256:
		return "sha256"
	case Spin:
		return "spin"
	}
	return fmt.Sprintf("kernel(%d)", uint8(k))
}
