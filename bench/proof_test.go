package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"concbench/models"
	"concbench/workload"
)

// Cheating models, one per step kind, registered in this test binary only:
// each runs every step for real except those of its kind, which it skips
// and reports what a model can know without doing the work.
func init() {
	cheats := map[string]struct {
		kind workload.Kind
		fake func(t workload.Task, k int) uint64
	}{
		// Sleeps and blocks output 0 either way: skipping them is free.
		"test-cheat-sleep": {workload.Sleep, func(workload.Task, int) uint64 { return 0 }},
		"test-cheat-block": {workload.Block, func(workload.Task, int) uint64 { return 0 }},
		// The cunning net cheat waits the delay and knows the body's
		// digest, but sends no request.
		"test-cheat-net": {workload.Net, func(t workload.Task, k int) uint64 {
			time.Sleep(t.Steps[k].Dur)
			return workload.NetDigest(workload.NetSeed(t.ID, k), t.Steps[k].Size)
		}},
		// Without reading, the file cheat knows only how many bytes it
		// was asked for (the old proof).
		"test-cheat-file": {workload.File, func(t workload.Task, k int) uint64 { return uint64(t.Steps[k].Size) }},
		"test-cheat-cpu":  {workload.CPU, func(workload.Task, int) uint64 { return 0 }},
	}
	for name, c := range cheats {
		models.Register(models.Info{Name: name, Doc: "test cheat", Procs: models.One, Hidden: true,
			New: func(models.Config) (models.Model, error) {
				return runFunc(func(ctx context.Context, tr *models.Trial) error {
					return runCheat(ctx, tr, c.kind, c.fake)
				}), nil
			}})
	}
}

// runCheat runs the tasks one at a time, faking steps of kind with fake.
func runCheat(ctx context.Context, tr *models.Trial, kind workload.Kind, fake func(workload.Task, int) uint64) error {
	ex, err := workload.NewExec(tr.Env, 1)
	if err != nil {
		return err
	}
	defer ex.Close()
	for i, t := range tr.Tasks {
		tr.Begin(i)
		var acc uint64
		for k, s := range t.Steps {
			out := uint64(0)
			if s.Kind == kind {
				out = fake(t, k)
			} else if out, err = ex.Step(ctx, t, k, tr.Nonce()); err != nil {
				tr.Fail(i, models.StepError(k, s, err))
				return tr.Err()
			}
			acc = workload.Mix(acc, out)
		}
		tr.Finish(i, acc)
	}
	return nil
}

// TestVerificationCatchesSkippedSteps: a model that skips one kind of step
// fails its trial with a message naming the step kind and the task,
// whichever kind it skips.
func TestVerificationCatchesSkippedSteps(t *testing.T) {
	p := workload.Params{Sleep: 5 * time.Millisecond, Block: 20 * time.Millisecond, BlockEvery: 10,
		NetDelay: time.Millisecond, Units: 50, FileSize: 1 << 20}
	tests := []struct {
		model, workload string
		want            []string
	}{
		{"test-cheat-sleep", "io-sleep", []string{"task 0 took", "less than its sleep 5ms", "did not wait"}},
		{"test-cheat-block", "blocking-mistake", []string{"task 5 took", "sleep 5ms + block 20ms", "did not wait"}},
		{"test-cheat-net", "io-net", []string{"server answered 0 requests", "(tasks 0 to 19) made 20 net steps"}},
		{"test-cheat-file", "io-file", []string{"task 0 returned", "file bytes digest"}},
		{"test-cheat-cpu", "cpu-hash", []string{"task 0 returned", "cpu digest"}},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			// Every real model passes the same checks on the same tasks.
			spec := Spec{Model: "sequential", Workload: tt.workload, Tasks: 20, Params: p}
			if _, err := Run(context.Background(), spec); err != nil {
				t.Fatalf("a real model fails the checks: %v", err)
			}
			spec.Model = tt.model
			res, err := Run(context.Background(), spec)
			if err == nil {
				t.Fatalf("%s passed verification", tt.model)
			}
			t.Logf("%s: %v", tt.model, err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if res == nil || res.Error == "" || res.Completed != 20 {
				t.Errorf("result does not carry the error for 20 completed tasks: %+v", res)
			}
		})
	}
}
