package report

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"concbench/internal/table"
	"concbench/resultfmt"
)

// Table is one table of the report, rendered for the terminal and as
// Markdown (package table, shared with compare).
type Table = table.Table

// Wrap breaks s into lines of at most width display columns (table.Wrap).
func Wrap(s string, width int, indent string) string { return table.Wrap(s, width, indent) }

func throughputTable(d *Data) Table {
	t := Table{ID: "throughput", Title: "Throughput, latency and cost per model (batch load; median (min–max) over repeats)",
		Header: []string{"workload", "model", "concurrency", "tasks", "tasks/s", "95% CI", "makespan s", "p50 ms", "p99 ms", "CPU cores", "CPU µs/task", "peak RSS MiB", "noisy ±%"},
		Core:   []string{"workload", "model", "tasks/s", "p50 ms", "p99 ms", "CPU cores", "peak RSS MiB"},
		More:   []string{"95% CI", "noisy ±%", "makespan s", "concurrency", "CPU µs/task", "tasks"}}
	for _, c := range d.Tag(resultfmt.TagThroughput) {
		s := c.Summary
		noisy := ""
		if s.Noisy {
			noisy = fmt.Sprintf("%.0f", 50*s.Throughput.Spread())
		}
		ci := "–"
		if hw := s.ThroughputCI.HalfWidth(s.Throughput.Median); !math.IsInf(hw, 1) {
			ci = fmt.Sprintf("±%.1f%% (n=%d)", 100*hw, s.Repeats)
		}
		t.Rows = append(t.Rows, []string{c.Spec.Workload, c.Series(), conc(c), strconv.Itoa(c.Spec.Tasks), rng(s.Throughput), ci, num(s.Makespan.Median),
			num(s.P50.Median), num(s.P99.Median), num(s.CPUCores.Median), num(s.CPUPerTask.Median), num(s.PeakRSS.Median / (1 << 20)), noisy})
	}
	return t
}

func latencyTable(d *Data) Table {
	t := Table{ID: "latency", Title: "Latency percentiles under closed load (ms, median over repeats)",
		Header: []string{"workload", "model", "load", "tasks/s", "p50", "p90", "p99", "p99.9", "max"},
		Core:   []string{"workload", "model", "tasks/s", "p50", "p99"},
		More:   []string{"p99.9", "max", "p90", "load"}}
	for _, c := range d.Tag(resultfmt.TagLatency) {
		p := func(f func(resultfmt.Result) float64) string { return num(c.stat(f).Median) }
		t.Rows = append(t.Rows, []string{c.Spec.Workload, c.Series(), c.Spec.Load, num(c.Summary.Throughput.Median),
			p(func(r resultfmt.Result) float64 { return r.Latency.P50 }), p(func(r resultfmt.Result) float64 { return r.Latency.P90 }),
			p(func(r resultfmt.Result) float64 { return r.Latency.P99 }), p(func(r resultfmt.Result) float64 { return r.Latency.P999 }),
			p(func(r resultfmt.Result) float64 { return r.Latency.Max })})
	}
	return t
}

func speedupTable(d *Data) Table {
	t := Table{ID: "speedup", Title: "CPU-bound speedup over " + d.goBaseline(),
		Header: []string{"model", "workers", "makespan s", "speedup", "ideal", "of ideal %"}}
	pts, _, ok := speedups(d)
	if !ok {
		return t
	}
	for _, c := range d.Tag(resultfmt.TagSpeedup) {
		if isBaseline(d.traits(c.Spec.Model)) && c.Summary.Makespan.Median > 0 {
			t.Rows = append(t.Rows, []string{c.Series(), "1", num(c.Summary.Makespan.Median), "1.00", "1", "100"})
		}
	}
	for _, q := range pts {
		t.Rows = append(t.Rows, []string{q.Model, strconv.Itoa(q.Workers), rng(q.Makespan), rng(q.Speedup), num(q.Ideal),
			fmt.Sprintf("%.0f", 100*q.Speedup.Median/q.Ideal)})
	}
	return t
}

func ioScalingTable(d *Data) Table {
	t := Table{ID: "io-scaling", Title: "I/O scaling: makespan of N waiting tasks",
		Header: []string{"model", "concurrency", "tasks", "makespan s", "ideal s", "x ideal", "ceil(N/c) x wait s", "sequential bound s"},
		Core:   []string{"model", "tasks", "makespan s", "x ideal"},
		More:   []string{"concurrency", "ceil(N/c) x wait s", "sequential bound s", "ideal s"}}
	for _, c := range d.Tag(resultfmt.TagIOScaling) {
		lat := c.Spec.Params.Sleep.Seconds()
		m := c.Summary.Makespan
		t.Rows = append(t.Rows, []string{c.Series(), conc(c), strconv.Itoa(c.Spec.Tasks), rng(m), num(lat), num(m.Median / lat),
			num(waitsBound(c.Spec.Tasks, c.Conc, c.Spec.Params.Sleep)), num(float64(c.Spec.Tasks) * lat)})
	}
	return t
}

func memoryTable(d *Data) Table {
	t := Table{ID: "memory", Title: "Memory per in-flight task (least-squares slope of the RSS while all tasks are in flight vs the tasks in flight)",
		Header: []string{"model", "trials", "in flight", "per task KiB", "RSS at 0 tasks MiB", "points: KiB per task @ in flight"},
		Core:   []string{"model", "in flight", "per task KiB", "RSS at 0 tasks MiB"},
		More:   []string{"trials", "points: KiB per task @ in flight"}}
	cells := d.Tag(resultfmt.TagMemory)
	for _, f := range memFits(d) {
		var each []string
		for _, c := range ByModel(cells)[f.Model] {
			each = append(each, fmt.Sprintf("%s@%s", num(c.stat(func(r resultfmt.Result) float64 { return r.MemPerInflight }).Median/(1<<10)),
				fmtNum(c.stat(func(r resultfmt.Result) float64 { return float64(r.PlateauInflight) }).Median)))
		}
		t.Rows = append(t.Rows, []string{f.Model, strconv.Itoa(f.Points), fmt.Sprintf("%s–%s", fmtNum(f.MinInflight), fmtNum(f.MaxInflight)),
			num(f.PerTask / (1 << 10)), num(f.Intercept / (1 << 20)), joinComma(each)})
	}
	return t
}

func openLoadTable(d *Data) Table {
	t := Table{ID: "open-load", Title: fmt.Sprintf("Open load: achieved throughput and p99 per offered rate (knee: every repeat has p99 > %.0fx max(low-load p99, %.0f ms) or throughput < %.0f%% of offered)", KneeP99Factor, KneeMinP99, 100*KneeThroughput),
		Header: []string{"model", "offered/s", "achieved/s", "p99 ms", "knee"}}
	for _, cur := range openCurves(d) {
		for i, q := range cur.Points {
			k := ""
			if i == cur.Knee {
				k = "← knee"
			}
			t.Rows = append(t.Rows, []string{cur.Model, num(q.Rate), rng(q.Throughput), rng(q.P99), k})
		}
	}
	return t
}

func blockingTable(d *Data) Table {
	t := Table{ID: "blocking", Title: "The blocking mistake: latency of all tasks and the stall it causes the others (ms, median over repeats)",
		Header: []string{"model", "own wait", "blocking call", "p50", "p99", "worst other task", "stall", "others delayed %"},
		Core:   []string{"model", "p50", "p99", "worst other task", "stall", "others delayed %"},
		More:   []string{"blocking call", "own wait"}}
	for _, s := range stalls(d) {
		t.Rows = append(t.Rows, []string{s.Model, num(s.Ideal), num(s.Block), num(s.P50), num(s.P99), num(s.OtherMax), num(s.Stall), fmt.Sprintf("%.1f", 100*s.Delayed)})
	}
	return t
}

// otherTable lists cells of tags the report does not chart.
func otherTable(d *Data) Table {
	known := []string{resultfmt.TagThroughput, resultfmt.TagLatency, resultfmt.TagSpeedup, resultfmt.TagIOScaling, resultfmt.TagMemory, resultfmt.TagOpenLoad, resultfmt.TagBlocking, resultfmt.TagTax}
	t := Table{ID: "other", Title: "Other experiments",
		Header: []string{"tag", "workload", "model", "load", "concurrency", "tasks", "tasks/s", "p50 ms", "p99 ms", "CPU cores", "peak RSS MiB"},
		Core:   []string{"workload", "model", "tasks/s", "p50 ms", "p99 ms", "CPU cores", "peak RSS MiB"},
		More:   []string{"tag", "load", "concurrency", "tasks"}}
	for _, c := range d.Cells {
		if slices.Contains(known, c.Spec.Tag) {
			continue
		}
		s := c.Summary
		t.Rows = append(t.Rows, []string{c.Spec.Tag, c.Spec.Workload, c.Series(), c.Spec.Load, conc(c), strconv.Itoa(c.Spec.Tasks),
			rng(s.Throughput), num(s.P50.Median), num(s.P99.Median), num(s.CPUCores.Median), num(s.PeakRSS.Median / (1 << 20))})
	}
	return t
}
