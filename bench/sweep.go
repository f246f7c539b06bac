package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"time"

	"concbench/models"
	"concbench/workload"
)

// SweepOptions control a sweep.
type SweepOptions struct {
	// Out is the directory that receives results.json and results.csv.
	Out string
	// Repeats overrides the suite's repeats when > 0.
	Repeats int
	// InProcess runs trials in this process (tests); the report sweeps run
	// each trial in a fresh child process.
	InProcess bool
	// NoWarmup skips the discarded warm-up trial of each cell.
	NoWarmup bool
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
	if _, err := models.Lookup(spec.Model); err != nil {
		return fmt.Sprintf("model %s is not available in this build", spec.Model)
	}
	if _, err := workload.Lookup(spec.Workload); err != nil {
		return fmt.Sprintf("workload %s is not available in this build", spec.Workload)
	}
	return ""
}

// CellName is a short human name of a cell for notes and progress.
func CellName(s Spec) string {
	name := fmt.Sprintf("%s/%s/%s/%s/n=%d", s.Tag, s.Workload, s.Model, s.Load, s.Tasks)
	if s.Config.Concurrency > 0 {
		name += fmt.Sprintf("/c=%d", s.Config.Concurrency)
	}
	return name
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
	repeats := suite.Repeats
	if opt.Repeats > 0 {
		repeats = opt.Repeats
	}
	f := &File{Suite: suite.Name, Warmup: !opt.NoWarmup, Meta: CollectMeta(opt.MetaProbe), Trials: []Result{}}
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
			note("skipped %s: %s", CellName(c), skip[i])
		}
	}
	failed := false
	write := func(complete bool) error {
		f.Complete = complete
		if opt.Out == "" {
			return nil
		}
		return WriteResults(opt.Out, f)
	}
	order := SweepOrder(len(cells), repeats, suite.Seed)
	last := time.Now()
	for i, job := range order {
		if ctx.Err() != nil {
			break
		}
		spec := cells[job.Cell]
		if skip[job.Cell] != "" {
			continue
		}
		if opt.OnStart != nil {
			opt.OnStart(i, len(order), spec)
		}
		rs, err := RunRepeated(ctx, spec, Options{Repeats: 1, Warmup: job.Repeat == 0 && !opt.NoWarmup, InProcess: opt.InProcess})
		for _, r := range rs {
			r.Repeat = job.Repeat
			f.Trials = append(f.Trials, r)
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			skip[job.Cell] = "failed"
			if errors.Is(err, ErrUsage) {
				note("skipped %s: %v", CellName(spec), err)
				continue
			}
			failed = true
			note("failed %s (repeat %d): %v", CellName(spec), job.Repeat, err)
			continue
		}
		if opt.Checkpoint > 0 && time.Since(last) > opt.Checkpoint {
			if err := write(false); err != nil {
				return f, err
			}
			last = time.Now()
		}
	}
	if ctx.Err() != nil {
		note("interrupted after %d trials: the results are incomplete", len(f.Trials))
		if err := write(false); err != nil {
			return f, err
		}
		return f, context.Cause(ctx)
	}
	if opt.OnStart != nil {
		opt.OnStart(len(order), len(order), Spec{})
	}
	return f, write(!failed)
}

// WriteResults writes f as dir/results.json and dir/results.csv, each
// atomically.
func WriteResults(dir string, f *File) error {
	if err := f.Write(filepath.Join(dir, "results.json")); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, f.Trials); err != nil {
		return err
	}
	return WriteAtomic(filepath.Join(dir, "results.csv"), buf.Bytes())
}

// CSVHeader is the column list of results.csv: one row per trial, flat.
var CSVHeader = []string{
	"tag", "model", "workload", "load", "tasks", "concurrency", "gomaxprocs", "repeat", "isolated",
	"sleep_ms", "units", "block_ms", "block_every",
	"completed", "makespan_s", "throughput_per_s",
	"lat_min_ms", "lat_mean_ms", "lat_p50_ms", "lat_p90_ms", "lat_p99_ms", "lat_p999_ms", "lat_max_ms",
	"wait_p50_ms", "wait_p99_ms", "service_p50_ms", "service_p99_ms",
	"cpu_user_s", "cpu_sys_s", "cpu_cores", "tasks_per_cpu_s",
	"base_rss_bytes", "peak_rss_bytes", "child_maxrss_bytes", "mem_per_inflight_bytes", "peak_inflight", "peak_cpu_steps",
	"ctx_voluntary", "ctx_involuntary", "threads_peak", "gc_cycles", "sched_p99_ms", "started", "error",
}

// WriteCSV writes trials as results.csv.
func WriteCSV(w io.Writer, trials []Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
	d := func(v time.Duration) string { return g(float64(v) / 1e6) }
	for _, r := range trials {
		s := r.Spec
		row := []string{
			s.Tag, s.Model, s.Workload, s.Load, strconv.Itoa(s.Tasks), strconv.Itoa(r.Config.Concurrency), strconv.Itoa(r.Config.Procs),
			strconv.Itoa(r.Repeat), strconv.FormatBool(r.Isolated),
			d(s.Params.Sleep), strconv.Itoa(int(s.Params.Units)), d(s.Params.Block), strconv.Itoa(s.Params.BlockEvery),
			strconv.FormatInt(r.Completed, 10), g(r.Makespan), g(r.Throughput),
			g(r.Latency.Min), g(r.Latency.Mean), g(r.Latency.P50), g(r.Latency.P90), g(r.Latency.P99), g(r.Latency.P999), g(r.Latency.Max),
			g(r.Wait.P50), g(r.Wait.P99), g(r.Service.P50), g(r.Service.P99),
			g(r.CPUUser), g(r.CPUSys), g(r.CPUCores), g(r.TasksPerCPU),
			strconv.FormatInt(r.BaseRSS, 10), strconv.FormatInt(r.PeakRSS, 10), strconv.FormatInt(r.ChildMaxRSS, 10),
			g(r.MemPerInflight), strconv.FormatInt(r.PeakInflight, 10), strconv.FormatInt(r.PeakCPUSteps, 10),
			strconv.FormatInt(r.CtxVoluntary, 10), strconv.FormatInt(r.CtxInvoluntary, 10), strconv.Itoa(r.Threads),
			strconv.FormatUint(r.Runtime.GCCycles, 10), g(r.Runtime.SchedP99), r.Started.Format(time.RFC3339Nano), r.Error,
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
