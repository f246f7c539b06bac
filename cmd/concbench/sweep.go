package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"concbench/bench"
	"concbench/resultfmt"
)

func init() {
	register("sweep", "run a suite of trials (each in a fresh process) and write results.json.gz/csv", runSweep)
}

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	suiteName := fs.String("suite", "quick", "built-in suite (quick, default) or a JSON suite file (see scripts/suite-example.json)")
	out := fs.String("out", "", "output directory, e.g. results/quick (required unless --print)")
	repeat := fs.Int("repeat", 0, "measured repeats per cell (0 = the suite's own, default 3)")
	maxRepeat := fs.Int("max-repeat", 0, "adaptive repeats: up to this many per cell until the 95% CI of the median throughput is within ±3% (0 = the suite's own)")
	seed := fs.Uint64("seed", 0, "seed of the randomised trial order (0 = the suite's own)")
	noWarmup := fs.Bool("no-warmup", false, "skip the discarded warm-up trial of each cell")
	inProc := fs.Bool("in-process", false, "run trials in this process instead of a fresh child each (quick checks only)")
	force := fs.Bool("force", false, "allow cells to start more worker processes than the machine's bound (8 x cores, at least 16)")
	printSuite := fs.Bool("print", false, "print the suite as JSON (a starting point for your own suite file) and exit")
	if help, err := parseFlags(fs, args, "Usage: concbench sweep --suite quick|default|FILE --out results/NAME [--repeat R]", stdout); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("sweep: unexpected argument %q (flags only; see concbench sweep -h)", fs.Arg(0))
	}
	if err := bench.CheckEnv(); err != nil {
		return err
	}
	suite, err := bench.LoadSuiteContext(ctx, *suiteName)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		return usagef("%v", err)
	}
	if *seed != 0 {
		suite.Seed = *seed
	}
	if *printSuite {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(suite)
	}
	if *out == "" {
		return usagef("sweep: --out DIR is required (e.g. --out results/%s)", filepath.Base(suite.Name))
	}
	if *repeat < 0 || *repeat > 100 {
		return usagef("sweep: --repeat %d out of range (allowed 1..100, 0 = the suite's own)", *repeat)
	}
	if *maxRepeat < 0 || *maxRepeat > 100 {
		return usagef("sweep: --max-repeat %d out of range (allowed 1..100, 0 = the suite's own)", *maxRepeat)
	}

	bar := newBar(stderr)
	start := time.Now()
	opt := bench.SweepOptions{
		Out: *out, Repeats: *repeat, MaxRepeats: *maxRepeat, InProcess: *inProc, NoWarmup: *noWarmup, Force: *force,
		MetaProbe: 300 * time.Millisecond, Checkpoint: 30 * time.Second,
		OnStart: func(done, total int, spec resultfmt.Spec) {
			if bar == nil {
				return
			}
			bar.ChangeMax(total)
			_ = bar.Set(done)
			if spec.Model != "" {
				bar.Describe(spec.Name())
			}
		},
		OnNote: func(s string) {
			if bar != nil {
				_ = bar.Clear()
			}
			fmt.Fprintln(stderr, "note:", s)
		},
	}
	f, err := bench.Sweep(ctx, suite, opt)
	if bar != nil {
		_ = bar.Finish()
		fmt.Fprintln(stderr)
	}
	if f != nil {
		for _, w := range f.Meta.Warnings {
			fmt.Fprintln(stderr, "warning:", w)
		}
	}
	if err != nil && !errors.Is(err, bench.ErrTrialsFailed) {
		if ctx.Err() != nil && f != nil {
			return fmt.Errorf("sweep stopped after %d trials; wrote them to %s (marked incomplete): %w", len(f.Trials), *out, err)
		}
		return err
	}
	state := "complete"
	if !f.Complete {
		state = "INCOMPLETE (some trials failed; see the notes)"
	}
	wrote := filepath.Join(*out, resultfmt.ResultsFile) + " and " + filepath.Join(*out, "results.csv")
	if len(f.Servers) > 0 {
		wrote = fmt.Sprintf("%s, %s and %s (%d server trials)", filepath.Join(*out, resultfmt.ResultsFile),
			filepath.Join(*out, "results.csv"), filepath.Join(*out, resultfmt.ServerCSV), len(f.Servers))
	}
	fmt.Fprintf(stdout, "sweep %s: %d trials in %s, %s; wrote %s\n", suite.Name, len(f.Trials),
		time.Since(start).Round(time.Second), state, wrote)
	return err
}

// newBar returns a progress bar on stderr, or nil when stderr is not a
// terminal (logs and CI stay quiet).
func newBar(stderr io.Writer) *progressbar.ProgressBar {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(1,
		progressbar.OptionSetWriter(stderr),
		progressbar.OptionSetDescription("sweep"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}
