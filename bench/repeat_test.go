package bench

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// test-noisy alternates fast and slow trials (1 ms vs 4 ms sleeps), so its
// throughput never converges.
var noisyTrials atomic.Int64

func init() {
	models.Register(models.Info{Name: "test-noisy", Doc: "test fake: alternating trial speed", Procs: models.One, Hidden: true,
		New: func(models.Config) (models.Model, error) {
			d := time.Millisecond
			if noisyTrials.Add(1)%2 == 0 {
				d = 4 * time.Millisecond
			}
			return runFunc(func(ctx context.Context, tr *models.Trial) error {
				for i := range tr.Tasks {
					tr.Begin(i)
					time.Sleep(d)
					tr.Finish(i, workload.Expected(tr.Tasks[i], workload.Params{}))
				}
				return nil
			}), nil
		}})
}

func results(tput ...float64) []Result {
	out := make([]Result, len(tput))
	for i, v := range tput {
		out[i] = Result{Throughput: v}
	}
	return out
}

func TestMoreRepeatsOnlyForWideIntervals(t *testing.T) {
	measured := [][]Result{
		results(1000, 1001, 999), // converged: ±0.3%
		results(1000, 1300, 700), // wide
		results(1000),            // one repeat: no interval yet
		results(1000, 1300, 700)} // wide, but skipped
	skip := []string{"", "", "", "failed"}
	jobs := moreRepeats(measured, skip, 3, resultfmt.CITarget, 1)
	var cells []int
	for _, j := range jobs {
		cells = append(cells, j.Cell)
		if j.Repeat != 3 {
			t.Errorf("job %+v: want repeat 3", j)
		}
	}
	if len(cells) != 2 || !(cells[0] == 1 && cells[1] == 2 || cells[0] == 2 && cells[1] == 1) {
		t.Errorf("more repeats for cells %v, want 1 and 2", cells)
	}
}

// TestAdaptiveRepeats: a noisy configuration runs up to MaxRepeats and
// the sweep says it did not converge; RunRepeated does the same.
func TestAdaptiveRepeats(t *testing.T) {
	s := &Suite{Name: "adaptive", Repeats: 2, MaxRepeats: 5, Experiments: []Experiment{
		{Tag: "t", Workloads: []string{"noop"}, Models: []string{"test-noisy"}, Tasks: []int{5}}}}
	f, err := Sweep(context.Background(), s, SweepOptions{InProcess: true, NoWarmup: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trials) != 5 {
		t.Errorf("%d trials, want 5 (2 + 3 adaptive)", len(f.Trials))
	}
	if !strings.Contains(strings.Join(f.Notes, "\n"), "did not reach ±3%") {
		t.Errorf("notes %q do not say the cell did not converge", f.Notes)
	}
	s.ExtraBudget = Duration(time.Nanosecond)
	f, err = Sweep(context.Background(), s, SweepOptions{InProcess: true, NoWarmup: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trials) != 2 || !strings.Contains(strings.Join(f.Notes, "\n"), "within the 1ns time budget") {
		t.Errorf("1 ns budget: %d trials, notes %q; want 2 and the budget named", len(f.Trials), f.Notes)
	}
	rs, err := RunRepeated(context.Background(), Spec{Model: "test-noisy", Workload: "noop", Tasks: 5},
		Options{Repeats: 2, MaxRepeats: 4, InProcess: true})
	if err != nil || len(rs) != 4 {
		t.Errorf("RunRepeated: %d trials (err %v), want 4", len(rs), err)
	}
	sum := resultfmt.Summarize(rs)
	if sum.ThroughputCI.Level != resultfmt.CILevel || !(sum.ThroughputCI.Lo < sum.Throughput.Median && sum.Throughput.Median < sum.ThroughputCI.Hi) {
		t.Errorf("summary interval %+v around median %g", sum.ThroughputCI, sum.Throughput.Median)
	}
}
