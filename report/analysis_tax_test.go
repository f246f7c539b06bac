package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"concbench/resultfmt"
	"concbench/workload"
)

// taxTrial is one completed trial of model on a batch of n tasks of
// workload (io-sleep: 100 ms sleeps), with its makespan, CPU seconds and
// memory per in-flight task.
func taxTrial(model, w string, n int, makespan, cpu, mem float64) resultfmt.Result {
	p := workload.Params{}
	if w == "io-sleep" {
		p.Sleep = 100 * time.Millisecond
	}
	return resultfmt.Result{Spec: resultfmt.Spec{Model: model, Workload: w, Tasks: n, Load: "batch", Params: p, Tag: resultfmt.TagTax},
		Tasks: n, Completed: int64(n), Verified: n, Makespan: makespan, CPUUser: cpu, MemPerInflight: mem, PlateauInflight: int64(n)}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestRunnerTax(t *testing.T) {
	trials := []resultfmt.Result{
		// node-eventloop on 1000 sleeps: 0.3 s of makespan, 0.2 s beyond
		// the ideal 0.1 s; its calibration 0.2 s (0.1 s beyond).
		taxTrial("node-eventloop", "io-sleep", 1000, 0.3, 0.004, 2000),
		taxTrial("node-eventloop-idiomatic", "io-sleep", 1000, 0.2, 0.002, 1000),
		taxTrial("node-eventloop", "io-sleep", 1000, 0.5, 0.006, 3000),
		// A different batch size: no calibration, no row.
		taxTrial("node-eventloop", "io-sleep", 2000, 0.3, 0.004, 2000),
		// No-op batches: memory is not compared.
		taxTrial("py-asyncio", "noop", 100, 0.003, 0.003, 500),
		taxTrial("py-asyncio-idiomatic", "noop", 100, 0.002, 0.002, 400),
		// A calibration alone: no row.
		taxTrial("py-uvloop-idiomatic", "noop", 100, 0.002, 0.002, 0),
		// A pool of 32 threads on 640 sleeps held 32 in flight; its
		// calibration counts all 640: memory is not compared.
		taxTrial("py-threads", "io-sleep", 640, 2.2, 0.03, 900_000),
		taxTrial("py-threads-idiomatic", "io-sleep", 640, 2.1, 0.03, 45_000),
	}
	trials[len(trials)-2].PlateauInflight = 32
	trials[len(trials)-2].Config.Concurrency, trials[len(trials)-1].Config.Concurrency = 32, 32
	rows := RunnerTax(trials)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3 (node-eventloop io-sleep x1000, py-asyncio noop, py-threads io-sleep): %+v", len(rows), rows)
	}
	for _, c := range []struct {
		row                          TaxRow
		model, workload              string
		overhead, cpu, mem           [2]float64
		overTax, cpuTax, memTax      float64
		trialsModel, trialsIdiomatic int
	}{
		// Medians over the model's two repeats: overhead (0.2, 0.4 s
		// beyond) / 1000 = 300 µs; CPU 5 µs; memory 2500 B.
		{rows[0], "node-eventloop", "io-sleep", [2]float64{300, 100}, [2]float64{5, 2}, [2]float64{2500, 1000}, 3, 2.5, 2.5, 2, 1},
		{rows[1], "py-asyncio", "noop", [2]float64{30, 20}, [2]float64{30, 20}, [2]float64{0, 0}, 1.5, 1.5, 0, 1, 1},
		// 2.2 s and 2.1 s against an ideal of 20 rounds x 100 ms.
		{rows[2], "py-threads", "io-sleep", [2]float64{312.5, 156.25}, [2]float64{46.875, 46.875}, [2]float64{0, 0}, 2, 1, 0, 1, 1},
	} {
		r := c.row
		got := [][2]float64{{r.Overhead[0].Median, r.Overhead[1].Median}, {r.CPU[0].Median, r.CPU[1].Median}, {r.Mem[0].Median, r.Mem[1].Median}}
		want := [][2]float64{c.overhead, c.cpu, c.mem}
		for k := range got {
			if !near(got[k][0], want[k][0]) || !near(got[k][1], want[k][1]) {
				t.Errorf("%s %s: figure %d = %v, want %v", c.model, c.workload, k, got[k], want[k])
			}
		}
		if r.Model != c.model || r.Workload != c.workload || !near(r.OverheadTax, c.overTax) || !near(r.CPUTax, c.cpuTax) || !near(r.MemTax, c.memTax) ||
			r.Trials != [2]int{c.trialsModel, c.trialsIdiomatic} {
			t.Errorf("row %+v; want %s %s, tax %g %g %g over %d and %d trials", r, c.model, c.workload, c.overTax, c.cpuTax, c.memTax, c.trialsModel, c.trialsIdiomatic)
		}
	}
}

// TestRunnerTaxPublished: the tax reaches the report's table and findings
// and the one-run findings, and a cross-runtime sentence quotes it.
func TestRunnerTaxPublished(t *testing.T) {
	trials := []resultfmt.Result{
		taxTrial("node-eventloop", "noop", 1000, 0.004, 0.004, 0),
		taxTrial("node-eventloop-idiomatic", "noop", 1000, 0.002, 0.002, 0),
		taxTrial("eventloop", "noop", 1000, 0.0001, 0.0001, 0),
		taxTrial("null", "noop", 1000, 0.0002, 0.00008, 0),
	}
	trials[0].Spec.Tag, trials[2].Spec.Tag = resultfmt.TagRuntimes, resultfmt.TagThroughput
	f := &resultfmt.File{Meta: resultfmt.Meta{Cores: 2}, Trials: trials}
	d := NewData(f)
	var table *Table
	for _, tb := range buildTables(d) {
		if tb.ID == "runner-tax" {
			table = &tb
		}
	}
	if table == nil || len(table.Rows) != 1 || table.Rows[0][0] != "node-eventloop" || !slicesContain(table.Rows[0], "2.00x") {
		t.Fatalf("runner-tax table %+v; want one node-eventloop row with a 2.00x tax", table)
	}
	var md bytes.Buffer
	if err := table.Markdown(&md); err != nil || !strings.Contains(md.String(), "overhead tax") {
		t.Errorf("markdown %q (%v)", md.String(), err)
	}
	all := findings(d)
	wantIn := func(where string, fs []Finding, sub string) {
		t.Helper()
		for _, f := range fs {
			if strings.Contains(f.Text, sub) {
				return
			}
		}
		t.Errorf("%s: no finding with %q in %+v", where, sub, fs)
	}
	wantIn("report", all, "Runner tax of node-eventloop on 1000 noop tasks (model / idiomatic program): overhead 2.00x")
	wantIn("report", all, "runner's tax is 2.00x (model / idiomatic program), so the runtime itself accounts for about 20.0x")
	wantIn("report", all, "eventloop 0.100 µs (80% harness)")
	wantIn("run", RunFindings(f), "Runner tax of node-eventloop")
	// Without the calibration, the sentence says the tax is unknown.
	d = NewData(&resultfmt.File{Meta: f.Meta, Trials: []resultfmt.Result{trials[0], trials[2]}})
	wantIn("report without calibration", findings(d), "runner's tax was not measured in this sweep")
}

func slicesContain(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
