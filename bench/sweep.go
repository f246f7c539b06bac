package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
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

// Sweep runs every cell of suite R times in SweepOrder, the first repeat
// of each cell preceded by a discarded warm-up, and writes
// results.json and results.csv to opt.Out (atomically). Cells whose model
// or workload this binary lacks are skipped with a note; a failing cell is
// noted, its remaining repeats dropped, and the file marked incomplete.
// When ctx ends (Ctrl-C) the finished trials are written with
// Complete=false and the context's error is returned.
func Sweep(ctx context.Context, suite *Suite, opt SweepOptions) (*File, error) {
	if err := suite.Check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	for _, c := range suite.Cells() {
		if skipReason(c) != "" {
			continue
		}
		if err := CheckMachine(c, opt.Force); err != nil {
			return nil, fmt.Errorf("suite %s, cell %s: %w", suite.Name, c.Name(), err)
		}
	}
	if opt.Out != "" {
		if err := resultfmt.ProbeDir(opt.Out); err != nil {
			return nil, fmt.Errorf("%w: --out %s: %v", ErrUsage, opt.Out, err)
		}
	}
	repeats := suite.Repeats
	if opt.Repeats > 0 {
		repeats = opt.Repeats
	}
	f := &File{Suite: suite.Name, Warmup: !opt.NoWarmup, Models: models.Names(), Traits: ModelTraits(), Meta: CollectMeta(opt.MetaProbe), Trials: []Result{}}
	note := func(format string, args ...any) {
		s := fmt.Sprintf(format, args...)
		f.Notes = append(f.Notes, s)
		if opt.OnNote != nil {
			opt.OnNote(s)
		}
	}
	cells := suite.Cells()
	skip := make([]string, len(cells))
	for i, c := range cells {
		if skip[i] = skipReason(c); skip[i] != "" {
			note("skipped %s: %s", c.Name(), skip[i])
		}
	}
	failed := false
	write := func(complete bool) error {
		f.Complete = complete
		if opt.Out == "" {
			return nil
		}
		return resultfmt.WriteResults(opt.Out, f)
	}
	measured := make([][]Result, len(cells))
	last := time.Now()
	// run runs one job; its error is only a failure to write results.json.
	run := func(i, total int, job Job) error {
		spec := cells[job.Cell]
		if opt.OnStart != nil {
			opt.OnStart(i, total, spec)
		}
		rs, err := RunRepeated(ctx, spec, Options{Repeats: 1, Warmup: job.Repeat == 0 && !opt.NoWarmup, InProcess: opt.InProcess})
		for _, r := range rs {
			r.Repeat = job.Repeat
			f.Trials = append(f.Trials, r)
			if r.Error == "" {
				measured[job.Cell] = append(measured[job.Cell], r)
			}
			for _, v := range ViolationNotes(r) {
				note("%s", v)
			}
		}
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil && errors.Is(err, ErrUsage):
			skip[job.Cell] = "failed"
			note("skipped %s: %v", spec.Name(), err)
			return nil
		case err != nil:
			skip[job.Cell] = "failed"
			failed = true
			f.Failed++
			note("failed %s (repeat %d): %v", spec.Name(), job.Repeat, err)
			return nil
		}
		if opt.Checkpoint > 0 && time.Since(last) > opt.Checkpoint {
			if err := write(false); err != nil {
				return err
			}
			last = time.Now()
		}
		return nil
	}
	order := SweepOrder(len(cells), repeats, suite.Seed)
	done := 0
	for i, job := range order {
		if ctx.Err() != nil {
			break
		}
		if skip[job.Cell] != "" {
			continue
		}
		if err := run(i, len(order), job); err != nil {
			return f, err
		}
		done = i + 1
	}
	// Adaptive repeats: more rounds for the cells whose median throughput
	// is not yet known to ±CITarget, up to MaxRepeats or the time budget
	// (checked before every trial, so a round may stop part-way; its
	// order is random, so no cell is favoured).
	start := time.Now()
	overBudget := func() bool {
		return suite.ExtraBudget > 0 && time.Since(start) > time.Duration(suite.ExtraBudget)
	}
	maxR := max(suite.MaxRepeats, repeats, opt.MaxRepeats)
	stopped := false
rounds:
	for r := repeats; r < maxR && ctx.Err() == nil; r++ {
		jobs := moreRepeats(measured, skip, r, suite.CITarget, suite.Seed)
		for k, job := range jobs {
			if ctx.Err() != nil {
				break rounds
			}
			if stopped = overBudget(); stopped {
				break rounds
			}
			if err := run(done, done+len(jobs)-k, job); err != nil {
				return f, err
			}
			done++
		}
	}
	if maxR > repeats && ctx.Err() == nil {
		if jobs := moreRepeats(measured, skip, maxR, suite.CITarget, suite.Seed); len(jobs) > 0 {
			limit := fmt.Sprintf("%d repeats", maxR)
			if stopped {
				limit = fmt.Sprintf("the %v time budget of adaptive repeats", time.Duration(suite.ExtraBudget))
			}
			note("adaptive repeats: %d cells did not reach ±%.0f%% (95%% CI of the median throughput) within %s", len(jobs), suite.CITarget*100, limit)
		}
	}
	if ctx.Err() != nil {
		f.Interrupted = true
		note("interrupted after %d trials: the results are incomplete", len(f.Trials))
		if err := write(false); err != nil {
			return f, err
		}
		return f, context.Cause(ctx)
	}
	if opt.OnStart != nil {
		opt.OnStart(done, done, Spec{})
	}
	if !slices.ContainsFunc(f.Trials, func(r Result) bool { return r.Error == "" }) {
		note("no trial ran: every cell was skipped or failed")
		failed = true
	}
	if err := write(!failed); err != nil {
		return f, err
	}
	if failed {
		return f, fmt.Errorf("%w (%d trials written, marked incomplete; see the notes)", ErrTrialsFailed, len(f.Trials))
	}
	return f, nil
}

// ErrTrialsFailed marks a sweep that ran to its end with failed cells, or
// ran no trial at all: its results are written, marked incomplete, and the
// CLI exits with status 1 as `run` does.
var ErrTrialsFailed = errors.New("some trials failed")
