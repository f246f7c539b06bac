package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// SweepOptions control a sweep.
type SweepOptions struct {
	// Out is the directory that receives results.json and results.csv.
	Out string
	// Repeats overrides the suite's repeats when > 0.
	Repeats int
	// MaxRepeats raises the suite's adaptive repeat limit when larger.
	MaxRepeats int
	// InProcess runs trials in this process (tests); the report sweeps run
	// each trial in a fresh child process.
	InProcess bool
	// NoWarmup skips the discarded warm-up trial of each cell.
	NoWarmup bool
	// Force lets cells start more worker processes than MaxProcesses.
	Force bool
	// MetaProbe is how long CollectMeta probes the machine (0: none).
	MetaProbe time.Duration
	// Checkpoint is the least time between intermediate writes of
	// results.json (marked incomplete) while the sweep runs; 0 disables
	// them.
	Checkpoint time.Duration
	// OnStart is called before each job with its index and the total.
	OnStart func(done, total int, spec Spec)
	// OnNote is called with each note as it is made (skips, failures).
	OnNote func(string)
}

// Job is one measured repeat of one cell in the sweep order.
type Job struct {
	Cell   int
	Repeat int
}

// moreRepeats returns round r's jobs for the cells (not skipped) whose
// measured repeats have not converged to ±target, in an order seeded by
// (seed, r) as SweepOrder's rounds are.
func moreRepeats(measured [][]Result, skip []string, r int, target float64, seed uint64) []Job {
	rng := rand.New(rand.NewPCG(seed, uint64(r)+0x5eeb))
	var out []Job
	for _, c := range rng.Perm(len(measured)) {
		if skip[c] == "" && !resultfmt.Converged(measured[c], target) {
			out = append(out, Job{Cell: c, Repeat: r})
		}
	}
	return out
}

// SweepOrder returns the jobs of cells x repeats in a randomised,
// interleaved order: round r runs every cell's repeat r once, in a
// permutation seeded by (seed, r). Drift of a noisy machine therefore
// spreads over all models instead of landing on one, and the same seed
// gives the same order.
func SweepOrder(cells, repeats int, seed uint64) []Job {
	out := make([]Job, 0, cells*repeats)
	for r := 0; r < repeats; r++ {
		rng := rand.New(rand.NewPCG(seed, uint64(r)+0x5eeb))
		for _, c := range rng.Perm(cells) {
			out = append(out, Job{Cell: c, Repeat: r})
		}
	}
	return out
}

// skipReason says why spec cannot run in this binary, or "" if it can.
func skipReason(spec Spec) string {
	info, err := models.Lookup(spec.Model)
	if err != nil {
		return fmt.Sprintf("model %s is not available in this build", spec.Model)
	}
	if err := info.Usable(); err != nil {
		return fmt.Sprintf("model %s is unavailable here: %v", spec.Model, err)
	}
	if _, err := workload.Lookup(spec.Workload); err != nil {
		return fmt.Sprintf("workload %s is not available in this build", spec.Workload)
	}
	return ""
}

// Sweep runs every cell of suite R times in SweepOrder and writes
// results.json and results.csv to opt.Out (atomically). A discarded
// warm-up trial precedes the first trial of each model on each workload
// (each trial is a fresh process, so a warm-up can only warm the machine:
// the binary, the interpreters and the data files in the page cache).
// Cells whose model or workload this binary lacks are skipped with a
// note; a failing cell is noted, its remaining repeats dropped, and the
// file marked incomplete. When ctx ends (Ctrl-C) the finished trials are
// written with Complete=false and the context's error is returned.
func Sweep(ctx context.Context, suite *Suite, opt SweepOptions) (*File, error) {
	s, err := newSweep(ctx, suite, opt)
	if err != nil {
		return nil, err
	}
	defer s.data.release()
	defer s.server.stop()
	if err := s.runFixed(); err != nil {
		return s.f, err
	}
	if err := s.runAdaptive(); err != nil {
		return s.f, err
	}
	if err := s.runServers(); err != nil {
		return s.f, err
	}
	return s.finish()
}

// ErrTrialsFailed marks a sweep that ran to its end with failed cells, or
// ran no trial at all: its results are written, marked incomplete, and the
// CLI exits with status 1 as `run` does.
var ErrTrialsFailed = errors.New("some trials failed")
