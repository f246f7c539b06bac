package compare

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	rf "concbench/resultfmt"
)

// manyRepeats builds two sides of nCfg configurations with n repeats each:
// the first configuration twice as fast on the new side, the others
// unchanged; memory figures tie in threes (page-rounded, as they are).
func manyRepeats(nCfg, n int) (old, new Side) {
	var sides [2]*rf.File
	for s := range sides {
		f := &rf.File{Schema: rf.SchemaVersion, Suite: "scale", Complete: true, Models: []string{"pool"}}
		for c := 0; c < nCfg; c++ {
			spec := rf.Spec{Tag: "t", Workload: "cpu-hash", Model: "pool", Load: "batch", Tasks: 100 + c}
			for i := 0; i < n; i++ {
				tp := 1000 + float64((i*37)%n) // distinct, scattered +-n/2
				if c == 0 && s == 1 {
					tp *= 2
				}
				f.Trials = append(f.Trials, rf.Result{Spec: spec, Repeat: i, Tasks: spec.Tasks, Completed: int64(spec.Tasks),
					Throughput: tp, Latency: rf.Dist{P50: 1e3 / tp, P99: 2e3 / tp}, CPUUser: float64(spec.Tasks) * (100 + float64(i%7)) * 1e-6,
					MemPerInflight: 4096 * float64(1+i%3)})
			}
		}
		sides[s] = f
	}
	return Side{Label: "old", File: sides[0]}, Side{Label: "new", File: sides[1]}
}

// TestManyRepeats compares 13 configurations x 200 repeats a side (issue
// 22, defect 1: before, the interval's rank took O((n1·n2)^3) and this
// did not finish in 10 minutes; the test binary's timeout fails it). The
// doubled configuration is significant with an interval around 2; the
// unchanged ones are not significant.
func TestManyRepeats(t *testing.T) {
	for _, n := range []int{25, 50, 51, 200} { // exact U test with ties, exact rank, normal rank at its edge, and far past
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			old, new := manyRepeats(13, n)
			c, err := CompareContext(context.Background(), old, new)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Rows) != 13 {
				t.Fatalf("%d rows, want 13", len(c.Rows))
			}
			tp := c.Rows[0].Changes[metricIndex("throughput")]
			if !tp.Significant || !(tp.Lo < 2 && 2 < tp.Hi) || tp.Lo < 1.9 || tp.Conf < 0.94 {
				t.Errorf("2x faster: significant=%v CI [%g, %g] at %g", tp.Significant, tp.Lo, tp.Hi, tp.Conf)
			}
			for _, r := range c.Rows[1:] {
				if ch := r.Changes[metricIndex("throughput")]; ch.Significant || !(ch.Lo <= 1 && 1 <= ch.Hi) {
					t.Errorf("%s unchanged but significant=%v CI [%g, %g]", r.Config.Name, ch.Significant, ch.Lo, ch.Hi)
				}
			}
		})
	}
}

// TestCIRankNormalMatchesExact: at the edge where the rank switches from
// the exact U distribution to its normal approximation, the two agree
// within one rank and reach the asked level.
func TestCIRankNormalMatchesExact(t *testing.T) {
	for _, n := range []int{20, 50} {
		exact, conf := ciRank(n, n, Confidence)
		nd := math.Sqrt(float64(n*n*(2*n+1)) / 12)
		approx := int(math.Floor(float64(n*n)/2 - 1.959964*nd + 0.5))
		if d := exact - approx; d < -1 || d > 1 || conf < Confidence {
			t.Errorf("%d a side: exact rank %d (level %g), normal %d", n, exact, conf, approx)
		}
	}
	if k, conf := ciRank(200, 200, Confidence); k < 1 || conf < Confidence-0.001 || conf > 0.96 {
		t.Errorf("200 a side: rank %d at level %g", k, conf)
	}
}

// TestCompareContextStops: a cancelled context stops the statistics
// (Ctrl-C during compare exits 130 rather than printing a full table).
func TestCompareContextStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	old, new := manyRepeats(13, 200)
	if c, err := CompareContext(ctx, old, new); !errors.Is(err, context.Canceled) || c != nil {
		t.Errorf("cancelled: comparison %v, error %v", c != nil, err)
	}
}

// BenchmarkCompare13x200 is the figure README quotes: 13 configurations x
// 200 repeats a side.
func BenchmarkCompare13x200(b *testing.B) {
	old, new := manyRepeats(13, 200)
	for b.Loop() {
		if _, err := CompareContext(context.Background(), old, new); err != nil {
			b.Fatal(err)
		}
	}
}
