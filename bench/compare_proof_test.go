package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"concbench/compare"
	"concbench/resultfmt"
)

// slowedSuite is small and timer-bound: batches of 100 ms sleeps, whose
// figures a busy machine moves by a few percent (its scheduling delays
// are milliseconds, tens at worst), so 7 + 7 repeats separate the change
// from noise even when a trial or two is an outlier.
func slowedSuite() *Suite {
	return &Suite{Name: "slowdown-proof", Repeats: 7, Seed: 3, Experiments: []Experiment{
		{Tag: resultfmt.TagThroughput, Workloads: []string{"io-sleep"}, Models: []string{"sequential", "goroutines", "pool"},
			Tasks: []int{2, 4}, Params: Params{Sleep: ms(100)}},
	}}
}

// timingMetrics are the figures a slowdown of the tasks' work moves:
// throughput and latency (CPU per task of a sleep is the timers' cost, and
// memory is not what the slowdown changes).
var timingMetrics = []string{"throughput", "p50", "p99"}

// TestCompareFindsInjectedSlowdown proves `compare` on a real regression:
// the same suite run twice in process, the second time with pool's tasks
// doing twice their work (100% more: 30% drowned in the noise of a machine
// at load 10-35, p 0.07-0.2 over 7+7 repeats) (EnvSlowdown, armed in this test binary
// only): compare flags pool's configurations as worse by more than 10% in
// a timing figure, and no configuration of another model. The two runs
// alternate round by round, so a machine that gets busier while the test
// runs slows both alike (as a sweep's interleaved order does for models).
func TestCompareFindsInjectedSlowdown(t *testing.T) {
	old, slowed := pairedRuns(t, "pool:1")
	c := compare.Compare(compare.Side{Label: "old", File: old}, compare.Side{Label: "new", File: slowed})
	flagged := map[string][]string{}
	for _, r := range c.Regressions(10) {
		if slices.Contains(timingMetrics, r.Metric.ID) {
			flagged[r.Config] = append(flagged[r.Config], r.String())
		}
	}
	if want := len(old.Trials) / slowedSuite().Repeats; len(c.Rows) != want || want != 6 {
		t.Fatalf("compared %d configurations, want %d (6)", len(c.Rows), want)
	}
	for _, row := range c.Rows {
		want := row.Config.Spec.Model == "pool"
		if got := len(flagged[row.Config.Name]) > 0; got != want {
			t.Errorf("%s: flagged %v (%v), want %v; throughput %s", row.Config.Name, got, flagged[row.Config.Name], want, describe(row.Changes[0]))
		}
	}
}

// describe shows a change with its repeats, for a failure message.
func describe(c compare.Change) string {
	return fmt.Sprintf("%.4g -> %.4g (ratio %.3f, p %.3f, %d+%d repeats)", c.Old, c.New, c.Ratio, c.P, c.OldN, c.NewN)
}

// pairedRuns runs slowedSuite twice, the second run with EnvSlowdown set to
// slow, alternating the runs' rounds, and returns both results.
func pairedRuns(t *testing.T, slow string) (old, slowed *File) {
	t.Helper()
	old, slowed = &File{Suite: "slowdown-proof"}, &File{Suite: "slowdown-proof"}
	for r := range slowedSuite().Repeats {
		for _, side := range []struct {
			f   *File
			env string
		}{{old, ""}, {slowed, slow}} {
			t.Setenv(EnvSlowdown, side.env)
			s := slowedSuite()
			s.Repeats, s.Seed = 1, uint64(r+1)
			f, err := Sweep(context.Background(), s, SweepOptions{InProcess: true, NoWarmup: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, tr := range f.Trials {
				tr.Repeat = r
				side.f.Trials = append(side.f.Trials, tr)
			}
			side.f.Meta = f.Meta
		}
	}
	return old, slowed
}
