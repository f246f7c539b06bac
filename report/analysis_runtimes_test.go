package report

import (
	"strings"
	"testing"

	"concbench/resultfmt"
)

// TestRuntimeFindings: the runtimes findings are computed from the data
// (the fixture's figures) and agree with the lesson there.
func TestRuntimeFindings(t *testing.T) {
	d := fixtureData(t)
	var got []string
	for _, f := range runtimeFindings(d) {
		if f.Contradict {
			t.Errorf("contradiction on the fixture: %s", f.Text)
		}
		got = append(got, f.Text)
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"A py-asyncio task costs 20x a Go event-loop task",
		"A node-eventloop task costs 10x a Go event-loop task",
		"py-asyncio gives no CPU parallelism: 0.9",
		"py-processes runs CPU steps in parallel: 1.7",
		"node-workers runs CPU steps in parallel: 1.8",
		"py-threads gets no CPU parallelism on spin: 0.9",
		"The blocking mistake on py-asyncio: p99 29",
		"ms (10.",
		"io-net under closed clients, as a share of Little's bound (6.4k req/s): eventloop 85%, py-asyncio 60%",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("findings lack %q:\n%s", want, all)
		}
	}
}

// TestRuntimeFindingsContradict: threads that beat the GIL, or an event
// loop without a stall, are named as contradicting the lesson.
func TestRuntimeFindingsContradict(t *testing.T) {
	d := fixtureData(t)
	for _, c := range d.Tag(resultfmt.TagRuntimes) {
		switch {
		case c.Spec.Model == "py-threads" && c.Spec.Params.Kernel.String() == "spin":
			c.Summary.Makespan = resultfmt.Stat{Median: 0.15, Min: 0.15, Max: 0.15} // 2x py-sequential
		case c.Spec.Model == "py-asyncio" && c.Spec.Workload == "blocking-mistake":
			for i := range c.Trials {
				c.Trials[i].Latency.P99 = 31
			}
		}
	}
	var bad []string
	for _, f := range runtimeFindings(d) {
		if f.Contradict {
			bad = append(bad, f.Text)
		}
	}
	if len(bad) != 2 || !strings.Contains(bad[0], "py-threads ran the spin batch") || !strings.Contains(bad[1], "blocking mistake on py-asyncio") {
		t.Errorf("contradictions = %q, want py-threads on spin and py-asyncio's missing stall", bad)
	}
}

// TestRuntimeOverheadBesideGo: the overhead chart puts every Go model
// beside the runtimes', taking the Go models' no-op batches from the
// throughput experiment.
func TestRuntimeOverheadBesideGo(t *testing.T) {
	got := map[string]bool{}
	for _, b := range rtOverhead(fixtureData(t)) {
		got[b.Model] = true
	}
	for _, m := range []string{"sequential", "eventloop", "goroutines", "pool", "py-asyncio", "node-eventloop"} {
		if !got[m] {
			t.Errorf("overhead has no bar for %s (has %v)", m, got)
		}
	}
}
