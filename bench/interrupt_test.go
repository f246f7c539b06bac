package bench

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestInterruptedTrialNotChecked (issue 22, defect 2): a trial stopped
// mid-way by its caller (Ctrl-C during `sweep --in-process`) records no
// invariant checks: it was cut short, not measured whole. Before, its
// "verified" invariant failed ("0 of 1000 tasks completed") and REPORT.md
// opened with a violation. A trial that times out is still checked.
func TestInterruptedTrialNotChecked(t *testing.T) {
	spec := Spec{Model: "sequential", Workload: "cpu-hash", Tasks: 1000, Load: "open:200"} // 5 s of arrivals
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(300 * time.Millisecond) // well inside the trial
		cancel()
	}()
	res, err := Run(ctx, spec)
	if !errors.Is(err, context.Canceled) || res == nil {
		t.Fatalf("interrupted trial: %v, result %v", err, res != nil)
	}
	if res.Completed >= int64(spec.Tasks) {
		t.Fatalf("the trial was not cut short (%d tasks completed)", res.Completed)
	}
	if v := res.Violations(); len(v) != 0 || len(res.Invariants) != 0 {
		t.Errorf("an interrupted trial was checked: %d checks, violations %+v", len(res.Invariants), v)
	}
	spec.Timeout = 300 * time.Millisecond
	res, err = Run(context.Background(), spec)
	if err == nil || res == nil || len(res.Invariants) == 0 {
		t.Errorf("a timed-out trial: %v; it must still be checked", err)
	}
}
