package bench

import (
	"context"
	"fmt"

	"concbench/workload"
)

// prepare creates what the workload's steps touch outside the process (the
// latency server, data files) and returns the Env and a release func that
// tears it down and returns the server's CPU seconds.
func prepare(ctx context.Context, spec Spec, tasks []workload.Task) (workload.Env, func() float64, error) {
	pr, _ := workload.Lookup(spec.Workload)
	env := workload.Env{Direct: spec.Direct}
	if pr.NeedsNet || pr.NeedsFiles {
		return env, nil, fmt.Errorf("workload %s needs real I/O resources, which this build cannot create yet", spec.Workload)
	}
	return env, nil, nil
}
