// Package resultfmt is the schema of concbench's results files: the Spec of
// a trial, its measured Result, the File (results.json) that holds a
// suite's trials and machine Meta, the per-configuration Summary, and the
// readers and writers (JSON, CSV, HDR histograms).
//
// It is a leaf, as golang.org/x/perf's benchfmt is for benchstat: it imports
// no model, server or harness code, so the reporter (and any user's own
// analysis) can read results without linking what produced them. The
// harness (package bench) writes these types; package report reads them.
package resultfmt

import (
	"time"

	"concbench/workload/params"
)

// SchemaVersion is the version of results.json. Version 2 records latency
// histograms in ns (version 1: whole µs), memory per in-flight task at the
// plateau, and the invariants checked on every trial. ReadFile converts
// version 1 files and rejects any other version with a clear message.
const SchemaVersion = 2

// Config is the model configuration a trial ran with: what a user may set
// (zero fields take the model's defaults) or, in Result.Config, the values
// after defaults. It has exactly the fields of models.Config, so the harness
// converts between the two with a plain conversion; the schema itself links
// no model code.
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

// Spec is everything that defines one trial. It is what a parent sends to a
// trial child, and it is recorded with every result.
type Spec struct {
	Model    string        `json:"model"`
	Workload string        `json:"workload"`
	Tasks    int           `json:"tasks"`
	Load     string        `json:"load"` // batch | closed:C | open:RATE[:poisson]
	Params   params.Params `json:"params"`
	Config   Config        `json:"config"`
	// Direct reads data files with O_DIRECT (cold cache).
	Direct bool `json:"direct,omitempty"`
	// Timeout bounds the whole trial (0: DefaultTimeout).
	Timeout time.Duration `json:"timeout_ns,omitempty"`
	// Track records the OS thread of every step (tests only: a syscall a step).
	Track bool `json:"track,omitempty"`
	// Sample is the CPU/RSS timeline period (0: DefaultSample).
	Sample time.Duration `json:"sample_ns,omitempty"`
	// Series keeps up to this many per-task points (arrival, latency) for
	// charts; 0 keeps none.
	Series int `json:"series,omitempty"`
	// ExternalSampler leaves the CPU/RSS timeline to the parent process
	// (set by RunIsolated), so no sampler runs inside the measured process.
	ExternalSampler bool `json:"external_sampler,omitempty"`
	// Tag is a free label carried into the result (sweeps use it for the
	// matrix axis a trial belongs to).
	Tag string `json:"tag,omitempty"`
}

// DefaultTimeout bounds a trial when Spec.Timeout is zero.
const DefaultTimeout = 10 * time.Minute

// DefaultSample is the CPU-use timeline period when Spec.Sample is zero.
const DefaultSample = 20 * time.Millisecond
