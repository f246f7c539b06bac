package report

import (
	"fmt"
	"math"
	"strings"

	"concbench/resultfmt"
)

// The runner tax: what concbench's runners (per-task stamps, records,
// digests) add to a runtime's own cost. Every Python and Node.js model M
// has a hidden calibration model M-idiomatic (concbench/runtimes): the
// plainest program in that runtime for the same batch, measured from
// outside the same way. Tax = M / M-idiomatic, per figure.

// idiomaticSuffix names a runtime model's calibration (as
// runtimes.IdiomaticSuffix; report does not import the models).
const idiomaticSuffix = "-idiomatic"

// TaxRow is one runtime model's runner tax on one batch: the model's
// figures and its calibration's, median (min–max) over repeats, and the
// ratios of the medians.
type TaxRow struct {
	Model, Workload string
	Tasks           int
	// Overhead is µs per task beyond the ideal makespan (the batch's sleep,
	// times the rounds a bounded concurrency needs; 0 for no-op tasks);
	// CPU is CPU µs per task of the whole process tree; Mem is bytes per
	// in-flight task at the plateau (io-sleep only, where both had the
	// same tasks in flight; 0: not measured).
	// Index 0 is the
	// model, 1 its calibration.
	Overhead, CPU, Mem [2]resultfmt.Stat
	// OverheadTax, CPUTax and MemTax are model / calibration medians (0
	// when either is not positive).
	OverheadTax, CPUTax, MemTax float64
	// Trials counts the repeats of each.
	Trials [2]int
}

// idealMakespan is the shortest makespan of r's batch: its tasks' sleep,
// once per round of a bounded concurrency (seconds; 0 for no-op tasks).
func idealMakespan(r resultfmt.Result) float64 {
	if r.Spec.Workload != "io-sleep" {
		return 0
	}
	rounds := 1
	if c := r.Config.Concurrency; c > 0 && r.Spec.Tasks > c {
		rounds = (r.Spec.Tasks + c - 1) / c
	}
	return float64(rounds) * r.Spec.Params.Sleep.Seconds()
}

// overheadPerTask is r's makespan beyond the ideal, µs per task.
func overheadPerTask(r resultfmt.Result) float64 {
	if r.Spec.Tasks <= 0 {
		return 0
	}
	return (r.Makespan - idealMakespan(r)) / float64(r.Spec.Tasks) * 1e6
}

// taxKey identifies a batch apart from the model that ran it.
func taxKey(s resultfmt.Spec) string {
	return fmt.Sprintf("%s|%d|%s|%d|%+v", s.Workload, s.Tasks, s.Load, s.Config.Concurrency, s.Params)
}

// ratio is a / b, or 0 when either is not positive.
func ratio(a, b float64) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return a / b
}

// RunnerTax pairs every runtime model's completed trials with its
// calibration's on the same batch (workload, tasks, load, concurrency,
// parameters) and returns the tax per model and batch, in first-seen
// order. Trials of models without a calibration are ignored.
func RunnerTax(trials []resultfmt.Result) []TaxRow {
	type group struct{ rs [2][]resultfmt.Result }
	groups := map[string]*group{}
	var order []string
	for _, r := range trials {
		if r.Completed == 0 || r.Completed != int64(r.Tasks) {
			continue
		}
		model, side := r.Spec.Model, 0
		if base, ok := strings.CutSuffix(model, idiomaticSuffix); ok {
			model, side = base, 1
		}
		k := model + "|" + taxKey(r.Spec)
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		g.rs[side] = append(g.rs[side], r)
	}
	var out []TaxRow
	for _, k := range order {
		g := groups[k]
		if len(g.rs[0]) == 0 || len(g.rs[1]) == 0 {
			continue
		}
		first := g.rs[0][0]
		row := TaxRow{Model: first.Spec.Model, Workload: first.Spec.Workload, Tasks: first.Spec.Tasks}
		for side, rs := range g.rs {
			row.Trials[side] = len(rs)
			row.Overhead[side] = statOver(rs, overheadPerTask)
			row.CPU[side] = statOver(rs, resultfmt.Result.CPUPerTask)
			if row.Workload == "io-sleep" {
				// Tasks hold memory while they wait; no-op tasks never
				// are all in flight.
				row.Mem[side] = statOver(rs, func(r resultfmt.Result) float64 { return r.MemPerInflight })
			}
		}
		// A calibration stamps its batch, not its tasks: every task counts
		// as in flight, which is what the model had in flight only when
		// its concurrency did not bound it. Otherwise memory per in-flight
		// task is not comparable.
		inflight := func(r resultfmt.Result) float64 { return float64(r.PlateauInflight) }
		if statOver(g.rs[0], inflight).Median != statOver(g.rs[1], inflight).Median {
			row.Mem = [2]resultfmt.Stat{}
		}
		row.OverheadTax = ratio(row.Overhead[0].Median, row.Overhead[1].Median)
		row.CPUTax = ratio(row.CPU[0].Median, row.CPU[1].Median)
		row.MemTax = ratio(row.Mem[0].Median, row.Mem[1].Median)
		out = append(out, row)
	}
	return out
}

// statOver is the median (min–max) of f over rs.
func statOver(rs []resultfmt.Result, f func(resultfmt.Result) float64) resultfmt.Stat {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	return resultfmt.StatOf(xs)
}

// taxText formats a tax ratio ("1.12x"), or "–" when unmeasured.
func taxText(v float64) string {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2fx", v)
}

// TaxFindings says each runtime model's runner tax in one line per batch,
// and the harness's share of the Go models' overhead.
func TaxFindings(d *Data) []Finding {
	trials := allTrials(d)
	var out []Finding
	add := adder(&out)
	for _, t := range RunnerTax(trials) {
		mem := ""
		if t.Mem[0].Median > 0 || t.Mem[1].Median > 0 {
			mem = fmt.Sprintf(", memory per in-flight task %s (%s vs %s)", taxText(t.MemTax), fmtBytes(t.Mem[0].Median), fmtBytes(t.Mem[1].Median))
		}
		add("tax", false, "Runner tax of %s on %d %s tasks (model / idiomatic program): overhead %s (%s vs %s µs/task beyond the ideal), CPU %s (%s vs %s µs/task)%s, over %d and %d repeats.",
			t.Model, t.Tasks, t.Workload, taxText(t.OverheadTax), num(t.Overhead[0].Median), num(t.Overhead[1].Median),
			taxText(t.CPUTax), num(t.CPU[0].Median), num(t.CPU[1].Median), mem, t.Trials[0], t.Trials[1])
	}
	return append(out, harnessFindings(trials, func(m string) bool { return d.traits(m).Family == resultfmt.FamilyGo })...)
}

// taxTable is the report's runner-tax table, from every cell's trials.
func taxTable(d *Data) Table {
	t := Table{ID: "runner-tax", Title: "Runner tax: each runtime model beside the idiomatic program for the same batch (model / idiomatic; median (min–max) over repeats)",
		Header: []string{"model", "workload", "tasks", "overhead µs/task", "idiomatic µs/task", "overhead tax", "CPU µs/task", "idiomatic CPU µs/task", "CPU tax", "memory/in-flight", "idiomatic memory", "memory tax"},
		Core:   []string{"model", "workload", "overhead tax", "CPU tax", "memory tax"},
		More:   []string{"overhead µs/task", "idiomatic µs/task", "CPU µs/task", "idiomatic CPU µs/task", "memory/in-flight", "idiomatic memory", "tasks"}}
	mem := func(s resultfmt.Stat) string {
		if s.Median <= 0 {
			return "–"
		}
		return fmtBytes(s.Median)
	}
	for _, r := range RunnerTax(allTrials(d)) {
		t.Rows = append(t.Rows, []string{r.Model, r.Workload, fmt.Sprint(r.Tasks), rng(r.Overhead[0]), rng(r.Overhead[1]), taxText(r.OverheadTax),
			rng(r.CPU[0]), rng(r.CPU[1]), taxText(r.CPUTax), mem(r.Mem[0]), mem(r.Mem[1]), taxText(r.MemTax)})
	}
	return t
}

// allTrials returns every cell's trials.
func allTrials(d *Data) []resultfmt.Result {
	var out []resultfmt.Result
	for _, c := range d.Cells {
		out = append(out, c.Trials...)
	}
	return out
}

// taxClause qualifies a cross-runtime ratio x of model on workload with
// the runner tax pick measured there (the largest, if several batches):
// how much of x is concbench's runner rather than the runtime, or that it
// was not measured. It starts with "; ".
func taxClause(rows []TaxRow, model, workload string, pick func(TaxRow) float64, x float64) string {
	tax := 0.0
	for _, r := range rows {
		if r.Model == model && r.Workload == workload {
			tax = max(tax, pick(r))
		}
	}
	switch {
	case tax <= 0:
		return "; the runner's tax was not measured in this sweep (no " + model + idiomaticSuffix + " calibration), so part of this ratio may be concbench's runner rather than the runtime"
	case tax <= 1:
		return fmt.Sprintf("; the runner's tax is %.2fx (the model costs no more than the idiomatic program), so the ratio is the runtime's", tax)
	}
	return fmt.Sprintf("; the runner's tax is %.2fx (model / idiomatic program), so the runtime itself accounts for about %.1fx", tax, x/tax)
}

// nullModel is the hidden Go model that runs the harness's per-task
// bookkeeping alone (concbench/models/null).
const nullModel = resultfmt.NullModel

// noopCost is r's makespan and CPU per task, µs, on a completed no-op
// batch (ok false otherwise).
func noopCost(r resultfmt.Result) (wall, cpu float64, ok bool) {
	if r.Spec.Workload != "noop" || r.Spec.Load != "batch" || r.Spec.Tasks <= 0 || r.Completed != int64(r.Tasks) || r.CPUUnresolved != "" {
		return 0, 0, false
	}
	return r.Makespan / float64(r.Spec.Tasks) * 1e6, r.CPUPerTask(), true
}

// HarnessShare is the harness's own cost per no-op task (the null
// model's) beside one Go model's.
type HarnessShare struct {
	Model string
	// CPU is µs of CPU per no-op task, median over the model's no-op
	// batches (the overhead figure of the CPU findings); Share is the null
	// model's CPU / this one's.
	CPU, Share float64
}

// HarnessCost returns the null model's µs of makespan and of CPU per
// no-op task (medians; 0 when it did not run) and, for every Go model
// (goModel) with no-op batches, the share of its CPU per task that is the
// harness's.
func HarnessCost(trials []resultfmt.Result, goModel func(string) bool) (wall, cpu float64, shares []HarnessShare) {
	by := map[string][]float64{}
	var order []string
	var nullWall []float64
	for _, r := range trials {
		w, c, ok := noopCost(r)
		if !ok || (r.Spec.Model != nullModel && !goModel(r.Spec.Model)) {
			continue
		}
		if _, seen := by[r.Spec.Model]; !seen {
			order = append(order, r.Spec.Model)
		}
		by[r.Spec.Model] = append(by[r.Spec.Model], c)
		if r.Spec.Model == nullModel {
			nullWall = append(nullWall, w)
		}
	}
	if len(by[nullModel]) == 0 {
		return 0, 0, nil
	}
	wall, cpu = resultfmt.StatOf(nullWall).Median, resultfmt.StatOf(by[nullModel]).Median
	for _, m := range order {
		if m == nullModel {
			continue
		}
		c := resultfmt.StatOf(by[m]).Median
		shares = append(shares, HarnessShare{Model: m, CPU: c, Share: ratio(cpu, c)})
	}
	return wall, cpu, shares
}

// harnessFindings says how much of a Go model's per-task overhead is the
// harness's bookkeeping.
func harnessFindings(trials []resultfmt.Result, goModel func(string) bool) []Finding {
	wall, cpu, shares := HarnessCost(trials, goModel)
	if cpu <= 0 {
		return nil
	}
	var parts []string
	for _, s := range shares {
		parts = append(parts, fmt.Sprintf("%s %s µs (%.0f%% harness)", s.Model, num(s.CPU), 100*min(1, s.Share)))
	}
	text := fmt.Sprintf("The harness's own bookkeeping per task (the null model: Feed releasing it, Begin and Finish stamping it, nothing else) costs %s µs of CPU (%s µs of makespan) per no-op task",
		num(cpu), num(wall))
	if len(parts) > 0 {
		text += "; of each Go model's CPU per no-op task: " + strings.Join(parts, ", ")
	}
	return []Finding{{Topic: "tax", Text: text + "."}}
}
