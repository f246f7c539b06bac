package report

import (
	"math"
	"strings"
	"testing"
	"time"

	"concbench/resultfmt"
)

// TestWaitsBound: a model of concurrency c needs ceil(N/c) waits, not N/c.
func TestWaitsBound(t *testing.T) {
	w := 200 * time.Millisecond
	for _, tc := range []struct {
		n, c int
		want float64
	}{{300, 32, 2.0}, {32, 32, 0.2}, {33, 32, 0.4}, {10, 0, 0.2}, {10, 1, 2.0}} {
		if got := waitsBound(tc.n, tc.c, w); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("waitsBound(%d, %d) = %g s, want %g", tc.n, tc.c, got, tc.want)
		}
	}
	st := boundStairs(10, 100, 32, w)
	if len(st) != 8 || st[0].X != 10 || st[1].X != 32 || st[2].X != 33 || st[7].X != 100 || math.Abs(st[7].Y-0.8) > 1e-9 {
		t.Errorf("stairs %v: want steps at 32, 64, 96 up to 4 waits at N=100", st)
	}
}

// TestSpeedupQuotesCores: the finding quotes W = cores, not the best of the
// worker counts, and lists the others.
func TestSpeedupQuotesCores(t *testing.T) {
	pts := []SpeedupPoint{{Model: "pool", Cores: 2, Workers: 1, Speedup: resultfmt.Stat{Median: 0.99}},
		{Model: "pool", Cores: 2, Workers: 2, Speedup: resultfmt.Stat{Median: 1.80}},
		{Model: "pool", Cores: 2, Workers: 4, Speedup: resultfmt.Stat{Median: 1.95}}}
	q, ok := quotedPoint(pts)
	if !ok || q.Workers != 2 {
		t.Fatalf("quoted W=%d, want W=2 (the cores)", q.Workers)
	}
	if rest := otherPoints(pts, q); rest != "; W=1: 0.99x, W=4: 1.95x" {
		t.Errorf("others = %q", rest)
	}
	if q, _ := quotedPoint(pts[2:]); q.Workers != 4 {
		t.Errorf("only W=4 measured: quoted W=%d", q.Workers)
	}
	text := strings.Join(func() []string {
		var s []string
		for _, f := range speedupFindings(fixtureData(t)) {
			s = append(s, f.Text)
		}
		return s
	}(), "\n")
	if !strings.Contains(text, "with W = 2 workers") || !strings.Contains(text, "W=4:") {
		t.Errorf("speedup findings do not quote W = cores and list the rest:\n%s", text)
	}
}

// TestColdCacheIsItsOwnWorkload: O_DIRECT reads are not merged with page
// cache reads; they show as "io-file (cold)".
func TestColdCacheIsItsOwnWorkload(t *testing.T) {
	spec := resultfmt.Spec{Model: "pool", Workload: "io-file", Tasks: 10, Load: "batch", Tag: resultfmt.TagThroughput}
	cold := spec
	cold.Direct = true
	d := NewData(&resultfmt.File{Trials: []resultfmt.Result{{Spec: spec, Throughput: 1e6}, {Spec: cold, Throughput: 1e4}}})
	got := Workloads(d.Tag(resultfmt.TagThroughput))
	if len(got) != 2 || got[0] != "io-file" || got[1] != "io-file"+ColdSuffix {
		t.Errorf("workloads %q, want io-file and io-file (cold)", got)
	}
}

func TestFileName(t *testing.T) {
	if got := fileName("io-file" + ColdSuffix); got != "io-file-cold" {
		t.Errorf("fileName = %q, want io-file-cold", got)
	}
}

// TestLatencyChartReadsNanoseconds: the chart reads the ns histograms in
// ms, with sub-µs detail (2.51 µs, not 2 µs).
func TestLatencyChartReadsNanoseconds(t *testing.T) {
	h, err := resultfmt.DecodeHDR(resultfmt.EncodeHDR([]float64{2510, 2510, 2510}))
	if err != nil {
		t.Fatal(err)
	}
	if got := hdrPercentileMS(h, 50); math.Abs(got-0.00251) > 0.00251*0.001 {
		t.Errorf("p50 = %g ms, want 0.00251", got)
	}
}
