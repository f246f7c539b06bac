package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"concbench/bench"
	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

func init() {
	register("run", "run one workload on one model (or all) and print a table", runRun)
}

// trialFlags are the flags of `concbench run`: what defines the trials
// (model list, workload, load, sizes, model config) and how to run and print
// them (repeats, warm-up, isolation, JSON).
type trialFlags struct {
	spec    resultfmt.Spec
	kernel  string
	cpuMS   float64
	models  string
	repeat  int
	maxRep  int
	warmup  bool
	inProc  bool
	jsonOut bool
	force   bool
	wide    bool
	server  serverFlags // --role server (serverrole.go)
}

func (f *trialFlags) register(fs *flag.FlagSet) {
	s := &f.spec
	fs.StringVar(&f.models, "model", "all", "model name, comma-separated names, all (every model available here) or go (the Go models)")
	f.server.register(fs)
	fs.StringVar(&s.Workload, "workload", "io-sleep", "workload preset (see concbench list)")
	fs.IntVar(&s.Tasks, "tasks", 1000, "number of tasks (1..10000000)")
	fs.StringVar(&s.Load, "load", "batch", "load shape: batch, closed:C, open:RATE[:poisson]")
	fs.IntVar(&f.repeat, "repeat", 1, "measured trials per model, after one discarded warm-up when > 1")
	fs.IntVar(&f.maxRep, "max-repeat", 0, "adaptive repeats: keep repeating up to N trials until the 95% CI of the median throughput is within ±3%")
	fs.BoolVar(&f.warmup, "warmup", false, "run a discarded warm-up trial even with --repeat 1")
	fs.BoolVar(&f.inProc, "in-process", false, "run trials in this process instead of a fresh child process each")
	fs.BoolVar(&f.jsonOut, "json", false, "print results as JSON instead of a table")
	fs.BoolVar(&f.force, "force", false, "allow more worker processes than the machine's bound (8 x cores, at least 16)")
	fs.BoolVar(&f.wide, "wide", false, "print every column of the table, however wide the terminal")
	fs.DurationVar(&s.Timeout, "timeout", bench.DefaultTimeout, "bound on one trial, > 0 and at most 24h (0 is refused: there is no unbounded trial)")
	fs.IntVar(&s.Config.Concurrency, "concurrency", 0, "model concurrency: pool workers W, processes P, goroutine/in-flight limit (0 = model default)")
	fs.IntVar(&s.Config.Procs, "gomaxprocs", 0, "GOMAXPROCS for the trial (0 = model default)")
	fs.IntVar(&s.Config.Queue, "queue", 0, "pool queue capacity (0 = default 1024)")
	fs.IntVar(&s.Config.Depth, "depth", 0, "multiproc pipelining depth (0 = default 1)")
	fs.BoolVar(&s.Config.Respawn, "respawn", false, "multiproc: replace a crashed worker and retry its task once")
	fs.IntVar(&s.Config.Threads, "threads", 0, "eventloop file thread-pool size (0 = default 4)")
	fs.BoolVar(&s.Direct, "direct", false, "io-file: O_DIRECT reads (cold cache) where the file system allows")
	// Every workload flag starts at its default, so the Params are Exact:
	// a flag given as 0 means 0 (or is refused), never the default.
	s.Params = workload.DefaultParams
	p := &s.Params
	fs.DurationVar(&p.Sleep, "sleep", workload.DefaultParams.Sleep, "Sleep step duration")
	fs.StringVar(&f.kernel, "kernel", "sha256", "CPU kernel: sha256 or spin")
	fs.Func("units", fmt.Sprintf("CPU step size in work units (default %d)", workload.DefaultParams.Units), func(v string) error {
		u, err := strconv.ParseUint(v, 10, 32)
		if err != nil || u == 0 {
			return fmt.Errorf("want an integer 1..%d", 1<<30)
		}
		p.Units = uint32(u)
		return nil
	})
	fs.Float64Var(&f.cpuMS, "cpu-ms", 0, "CPU step size in milliseconds on this machine (calibrated; overrides --units; 0 < ms <= 60000)")
	fs.DurationVar(&p.Block, "block", workload.DefaultParams.Block, "Block step duration (blocking-mistake)")
	fs.IntVar(&p.BlockEvery, "block-every", workload.DefaultParams.BlockEvery, "blocking-mistake: one task in K blocks")
	fs.DurationVar(&p.NetDelay, "net-delay", workload.DefaultParams.NetDelay, "Net step: server-side delay")
	fs.Int64Var(&p.NetSize, "net-size", workload.DefaultParams.NetSize, "Net step: response body bytes")
	fs.Int64Var(&p.ReadSize, "read-size", workload.DefaultParams.ReadSize, "File step: bytes per read")
	fs.Int64Var(&p.FileSize, "file-size", workload.DefaultParams.FileSize, "size of each data file in bytes")
	fs.IntVar(&p.Files, "files", workload.DefaultParams.Files, "number of data files")
	fs.Uint64Var(&p.Seed, "seed", workload.DefaultParams.Seed, "seed for file offsets and Poisson arrivals")
	fs.IntVar(&s.Series, "series", 0, "keep up to N per-task (arrival, latency) points in JSON output")
}

// parse parses args into f, returning usage errors for bad flags.
func (f *trialFlags) parse(name string, args []string, stdout io.Writer) (help bool, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	f.register(fs)
	if help, err := parseFlags(fs, args, "Usage: concbench "+name+" [flags]", stdout); help || err != nil {
		return help, err
	}
	if fs.NArg() > 0 {
		return false, usagef("%s: unexpected argument %q (flags only; see concbench %s -h)", name, fs.Arg(0), name)
	}
	k, ok := workload.Kernels[f.kernel]
	if !ok {
		return false, usagef("unknown kernel %q (allowed: sha256, spin)", f.kernel)
	}
	f.spec.Params.Kernel = k
	cpuMSSet := false
	fs.Visit(func(fl *flag.Flag) { cpuMSSet = cpuMSSet || fl.Name == "cpu-ms" })
	if cpuMSSet {
		if !(f.cpuMS > 0 && f.cpuMS <= 60_000) { // NaN fails both
			return false, usagef("--cpu-ms %g out of range (allowed 0 < ms <= 60000)", f.cpuMS)
		}
		f.spec.Params.Units = workload.Calibrate(k, time.Duration(f.cpuMS*float64(time.Millisecond)))
	}
	timeoutSet := false
	fs.Visit(func(fl *flag.Flag) { timeoutSet = timeoutSet || fl.Name == "timeout" })
	if timeoutSet && f.spec.Timeout == 0 {
		// A zero Spec.Timeout means the default to Go callers; typed on
		// the command line it once meant 10 minutes without a word.
		return false, usagef("--timeout 0 out of range (allowed 0 < timeout <= %v; the default is %v)", bench.MaxTimeout, bench.DefaultTimeout)
	}
	if err := bench.CheckEnv(); err != nil {
		return false, err
	}
	if f.repeat < 1 || f.repeat > 1000 {
		return false, usagef("--repeat %d out of range (allowed 1..1000)", f.repeat)
	}
	if f.maxRep != 0 && (f.maxRep < f.repeat || f.maxRep > 1000) {
		return false, usagef("--max-repeat %d out of range (allowed --repeat %d..1000, or 0 for none)", f.maxRep, f.repeat)
	}
	return false, nil
}

// modelList expands --model into registered model names: "all" is every
// model available here (one line on stderr names each unavailable one),
// "go" the models that run in Go.
func (f *trialFlags) modelList(stderr io.Writer) ([]string, error) {
	if f.models == "all" || f.models == "go" {
		var out []string
		for _, n := range models.Names() {
			i, _ := models.Lookup(n)
			if f.models == "go" && i.Runtime != nil {
				continue
			}
			if err := i.Usable(); err != nil {
				fmt.Fprintf(stderr, "concbench: skipping %s: %v\n", n, err)
				continue
			}
			out = append(out, n)
		}
		return out, nil
	}
	var out []string
	for _, m := range strings.Split(f.models, ",") {
		if _, err := models.Lookup(m); err != nil {
			return nil, usagef("%v", err)
		}
		out = append(out, m)
	}
	return out, nil
}

// runOutput is the --json document of `concbench run`.
type runOutput struct {
	Meta    resultfmt.Meta      `json:"meta"`
	Summary []resultfmt.Summary `json:"summary"`
	Trials  []resultfmt.Result  `json:"trials"`
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f trialFlags
	if help, err := f.parse("run", args, stdout); help || err != nil {
		return err
	}
	names, err := f.modelList(stderr)
	if err != nil {
		return err
	}
	if f.server.role != "client" {
		return runServerRole(ctx, &f, names, stdout, stderr)
	}
	// Validate once up front so a bad flag fails before any trial runs.
	for _, m := range names {
		s := f.spec
		s.Model = m
		if err := bench.ValidateSpec(&s); err != nil {
			return err
		}
		if err := bench.CheckMachine(s, f.force); err != nil {
			return err
		}
	}
	out := runOutput{Meta: bench.CollectMeta(200 * time.Millisecond)}
	if pr, _ := workload.Lookup(f.spec.Workload); !pr.NeedsNet {
		out.Meta.Server, out.Meta.Warnings = "", withoutServerWarning(out.Meta.Warnings)
	}
	for _, w := range out.Meta.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	opt := bench.Options{Repeats: f.repeat, MaxRepeats: f.maxRep, Warmup: f.warmup || f.repeat > 1 || f.maxRep > 1, InProcess: f.inProc}
	var firstErr error
	for _, m := range names {
		s := f.spec
		s.Model = m
		rs, err := bench.RunRepeated(ctx, s, opt)
		if ctx.Err() != nil {
			return fmt.Errorf("stopped during %s: %w", m, context.Cause(ctx))
		}
		for _, r := range rs {
			for _, v := range bench.ViolationNotes(r) {
				fmt.Fprintln(stderr, "warning:", v)
			}
		}
		sum := resultfmt.Summarize(rs)
		if err != nil {
			sum.Spec = s
			sum.Error = err.Error()
			fmt.Fprintf(stderr, "concbench: %s failed: %v\n", m, err)
			if firstErr == nil {
				firstErr = err
			}
		}
		out.Summary = append(out.Summary, sum)
		out.Trials = append(out.Trials, rs...)
	}
	if f.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else if err := writeRunTable(stdout, termWidth(stdout, f.wide), f.spec, out); err != nil {
		return err
	}
	if firstErr != nil {
		return fmt.Errorf("some trials failed: %w", firstErr)
	}
	return nil
}

// withoutServerWarning drops the remote-server warning of a run whose
// workload has no Net steps: CONCBENCH_SERVER played no part in it.
func withoutServerWarning(ws []string) []string {
	var out []string
	for _, w := range ws {
		if !strings.HasPrefix(w, "Net steps used the latency server") {
			out = append(out, w)
		}
	}
	return out
}
