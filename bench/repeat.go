package bench

import (
	"context"
)

// Options control how a spec is repeated.
type Options struct {
	// Repeats is R, the measured trials (>= 1).
	Repeats int
	// Warmup runs one discarded trial first (Repeat -1 in the results).
	Warmup bool
	// InProcess skips the fresh child process per trial.
	InProcess bool
	// OnTrial is called after every trial, warm-up included.
	OnTrial func(Result)
}

// RunRepeated runs an optional warm-up and then R trials of spec, each in a
// fresh child process unless opt.InProcess. It stops at the first failure.
func RunRepeated(ctx context.Context, spec Spec, opt Options) ([]Result, error) {
	run := RunIsolated
	if opt.InProcess {
		run = Run
	}
	first := 0
	if opt.Warmup {
		first = -1
	}
	var out []Result
	for rep := first; rep < max(opt.Repeats, 1); rep++ {
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
