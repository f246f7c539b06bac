package bench

import (
	"context"

	"concbench/resultfmt"
)

// Options control how a spec is repeated.
type Options struct {
	// Repeats is R, the measured trials (>= 1).
	Repeats int
	// MaxRepeats, when above Repeats, makes the repeats adaptive: after
	// R trials, more run until the 95% CI of the median throughput is
	// within ±CITarget (default resultfmt.CITarget) or MaxRepeats ran.
	MaxRepeats int
	CITarget   float64
	// Warmup runs one discarded trial first (Repeat -1 in the results).
	Warmup bool
	// InProcess skips the fresh child process per trial.
	InProcess bool
	// OnTrial is called after every trial, warm-up included.
	OnTrial func(Result)
}

// RunRepeated runs an optional warm-up and then R trials of spec (more
// when opt.MaxRepeats makes them adaptive), each in a fresh child process
// unless opt.InProcess. It stops at the first failure.
func RunRepeated(ctx context.Context, spec Spec, opt Options) ([]Result, error) {
	run := RunIsolated
	if opt.InProcess {
		run = Run
	}
	first := 0
	if opt.Warmup {
		first = -1
	}
	target := opt.CITarget
	if target <= 0 {
		target = resultfmt.CITarget
	}
	r := max(opt.Repeats, 1)
	more := func(rep int, out []Result) bool {
		return rep < r || (rep < opt.MaxRepeats && !resultfmt.Converged(out, target))
	}
	var out []Result
	for rep := first; more(rep, out); rep++ {
		res, err := run(ctx, spec)
		if res != nil {
			res.Repeat = rep
			if opt.OnTrial != nil {
				opt.OnTrial(*res)
			}
			if rep >= 0 {
				out = append(out, *res)
			}
		}
		if err != nil {
			return out, err
		}
	}
	return out, nil
}
