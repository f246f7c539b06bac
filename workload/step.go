// Package workload defines what concbench runs: a Task is an id plus an
// ordered list of Steps, and every model executes exactly the same list, so
// workloads are identical by construction.
//
// workload imports no other concbench package. It owns the step kinds, the
// CPU kernels, the named presets and the per-task result check.
package workload

import (
	"fmt"
	"time"
)

// Kind is the kind of one step.
type Kind uint8

// The step kinds. The zero Kind is Noop so a zero Step does nothing.
const (
	// Noop does nothing; it measures pure harness and model overhead.
	Noop Kind = iota
	// Sleep is a pure wait (asyncio.sleep): a timer on the event loop,
	// time.Sleep elsewhere.
	Sleep
	// CPU is deterministic compute: Units rounds of Kernel.
	CPU
	// Block is the classic mistake: a blocking call (nanosleep) that on an
	// event loop stalls every task.
	Block
	// Net is an HTTP/1.1 request to the loopback latency server, answered
	// after Dur with Size bytes.
	Net
	// File reads Size bytes at offset Off from one of the trial's data files.
	File
	numKinds
)

var kindNames = [...]string{Noop: "noop", Sleep: "sleep", CPU: "cpu", Block: "block", Net: "net", File: "file"}

// String returns the lower-case name of the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Valid reports whether k is one of the defined step kinds, so a decoder
// can reject a corrupt kind without naming the last one.
func (k Kind) Valid() bool { return k < numKinds }

// Step is one unit of a task. Which fields matter depends on Kind:
//
//	Sleep, Block: Dur
//	CPU:          Kernel, Units
//	Net:          Dur (server-side delay), Size (response body bytes)
//	File:         Size (bytes to read), Off (offset; File picks the file by task)
//
// Step is a small value (32 bytes) so a million tasks can share step slices.
type Step struct {
	Kind   Kind
	Kernel Kernel
	Units  uint32
	Dur    time.Duration
	Size   int64
	Off    int64
}

// String renders the step the way presets are documented, e.g. "sleep(10ms)".
func (s Step) String() string {
	switch s.Kind {
	case Sleep, Block:
		return fmt.Sprintf("%s(%v)", s.Kind, s.Dur)
	case CPU:
		return fmt.Sprintf("cpu(%s x%d)", s.Kernel, s.Units)
	case Net:
		return fmt.Sprintf("net(%v, %dB)", s.Dur, s.Size)
	case File:
		return fmt.Sprintf("file(%dB @%d)", s.Size, s.Off)
	default:
		return s.Kind.String()
	}
}

// Task is a small value: an id and an ordered list of steps. Tasks of one
// preset usually share their Steps slice.
type Task struct {
	ID    uint32
	Steps []Step
}

// SleepStep returns a Sleep step of d.
func SleepStep(d time.Duration) Step { return Step{Kind: Sleep, Dur: d} }

// BlockStep returns a Block step of d.
func BlockStep(d time.Duration) Step { return Step{Kind: Block, Dur: d} }

// CPUStep returns a CPU step of units rounds of kernel k.
func CPUStep(k Kernel, units uint32) Step { return Step{Kind: CPU, Kernel: k, Units: units} }

// NetStep returns a Net step: the server answers after delay with size bytes.
func NetStep(delay time.Duration, size int64) Step { return Step{Kind: Net, Dur: delay, Size: size} }

// FileStep returns a File step reading size bytes at off.
func FileStep(off, size int64) Step { return Step{Kind: File, Off: off, Size: size} }

// Mix folds one step's output into a task's running result. Every model
// folds step outputs in step order with Mix, starting from 0, so a task's
// result is comparable with Expected.
func Mix(acc, out uint64) uint64 {
	return (acc^out)*0x100000001b3 + 0x9e3779b97f4a7c15
}
