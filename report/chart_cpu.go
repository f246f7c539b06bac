package report

import (
	"fmt"
	"math"

	"concbench/resultfmt"
)

// cpuTimeChart is chart 5a: CPU seconds (user + system) per 1,000 tasks
// per model, grouped by workload (cpuTimeSpecs), drawn by barPlot; the
// split into user and system time is in its table (cpuTimeTable).
func cpuTimeChart(d *Data) ([]*figure, string, error) {
	cells := d.Tag(resultfmt.TagThroughput)
	if len(cells) == 0 {
		return nil, "", missing("no trials tagged \"throughput\" in the results")
	}
	p, err := barPlot(d, cpuTimeSpecs(d)[0])
	if err != nil {
		return nil, "", err
	}
	caption := fmt.Sprintf("CPU seconds (user + system) the whole process tree (workers included) spent per 1,000 completed tasks, for the median repeat of %s, on a log scale (a CPU-bound task costs thousands of times a no-op). The bars are totals: on a log axis a stacked part's height is not its share, so the user/system split is in the table \"CPU time per 1,000 tasks, user and system\" (system share in %%) and in each bar's tooltip in report.html. On the no-op and sleep workloads this is the model's overhead per task; it includes the Go runtime's idle wake-ups over the trial's duration, so a model that takes long (sequential on I/O) pays more of them per task.",
		repeatsText(cells))
	return []*figure{single("cpu-time", p)}, caption, nil
}

// cpuTimeSpecs describe the CPU-time chart: per model side by side per
// workload, the median repeat's CPU seconds (user + system) per 1,000
// tasks as one bar, on a log axis (a CPU-bound task costs thousands of
// times a no-op) padded around the data, with room above for the legend.
// The parts are not stacked: on a log axis the top segment of a stack
// looks as tall as the whole bar's upper decades, overstating it (sys at
// 10% of a bar spanning 3 decades would take a third of its height); the
// split is in the tooltip and the table.
func cpuTimeSpecs(d *Data) []*chartSpec {
	lo, hi := math.Inf(1), 0.0
	wc := d.categoryChart("cpu-time", "CPU time per 1,000 tasks (user + sys), batch load", "CPU s per 1,000 tasks (user + sys)", d.Tag(resultfmt.TagThroughput),
		func(c *Cell, x float64) (specPoint, bool) {
			u, s := cpuPer1000(c)
			if u+s > 0 {
				lo, hi = math.Min(lo, u+s), math.Max(hi, u+s)
			}
			return specPoint{X: x, Y: u + s, N: len(c.Trials), Note: fmt.Sprintf("user %s s + sys %s s (sys %s%%, median repeat)", num(u), num(s), sysShare(u, s))}, u+s > 0
		})
	wc.Y.Log = true
	if hi > 0 {
		wc.Y.Range = []float64{lo / 3, hi * 8}
	}
	return []*chartSpec{wc}
}

// sysShare is system time's share of user + system time in percent.
func sysShare(user, sys float64) string {
	if user+sys <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f", 100*sys/(user+sys))
}

// cpuTimeTable is the CPU-time chart's numbers with the split the chart
// does not draw: user and system seconds per 1,000 tasks and the system
// share, for the median repeat.
func cpuTimeTable(d *Data) Table {
	t := Table{ID: "cpu-time", Title: "CPU time per 1,000 tasks, user and system (batch load; median repeat)",
		Header: []string{"workload", "model", "CPU s / 1k tasks", "user s", "sys s", "sys %"},
		Core:   []string{"workload", "model", "CPU s / 1k tasks", "sys %"},
		More:   []string{"user s", "sys s"}}
	for _, c := range d.Tag(resultfmt.TagThroughput) {
		u, s := cpuPer1000(c)
		if u+s <= 0 {
			continue
		}
		t.Rows = append(t.Rows, []string{c.Spec.Workload, c.Series(), num(u + s), num(u), num(s), sysShare(u, s)})
	}
	return t
}

// cpuUtilChart is chart 5b: CPU utilisation in cores per model, grouped by
// workload, with the machine's core count as the bound.
func cpuUtilChart(d *Data) ([]*figure, string, error) {
	cells := d.Tag(resultfmt.TagThroughput)
	if len(cells) == 0 {
		return nil, "", missing("no trials tagged \"throughput\" in the results")
	}
	p, err := barPlot(d, cpuUtilSpecs(d)[0])
	if err != nil {
		return nil, "", err
	}
	caption := fmt.Sprintf("Average CPU in use during the trial (CPU seconds of the process tree / wall seconds), median of %s with min..max bars; dashed: the %d cores of this machine. A single-threaded model cannot exceed 1 core.",
		repeatsText(cells), d.cores())
	return []*figure{single("cpu-util", p)}, caption, nil
}

// timelineWorkload picks the workload of chart 6: cpu-hash when present
// (parallelism shows), else the first throughput workload.
func timelineWorkload(cells []*Cell) string {
	wls := Workloads(cells)
	for _, w := range []string{"cpu-hash", "mixed"} {
		for _, x := range wls {
			if x == w {
				return w
			}
		}
	}
	if len(wls) == 0 {
		return ""
	}
	return wls[0]
}

// cpuTimelineChart is chart 6: cores busy over time, one small panel per
// model, on one workload (the median-makespan repeat).
func cpuTimelineChart(d *Data) ([]*figure, string, error) {
	all := d.Tag(resultfmt.TagThroughput)
	w := timelineWorkload(all)
	var cells []*Cell
	for _, c := range all {
		if c.Spec.Workload == w && len(c.Trials) > 0 {
			if r := c.median(func(r resultfmt.Result) float64 { return r.Makespan }); len(r.Timeline) > 0 {
				cells = append(cells, c)
			}
		}
	}
	if len(cells) == 0 {
		return nil, "", missing("no throughput trial recorded a CPU timeline")
	}
	fig, err := panelsFigure(d, cpuTimelineSpecs(d)[0])
	if err != nil {
		return nil, "", err
	}
	period := cells[0].Trials[0].Spec.Sample
	caption := fmt.Sprintf("Cores busy over time (process tree CPU per %v sample) while each model runs the same %s batch, the median-makespan repeat of each; shared axes, dashed: the %d cores of this machine.",
		period, w, d.cores())
	return []*figure{fig}, caption, nil
}

// cpuUtilSpecs describe the CPU-utilisation chart: cores in use per model
// side by side per workload (median, min..max), the machine's core count
// as the bound, room above for the legend at the left.
func cpuUtilSpecs(d *Data) []*chartSpec {
	top := float64(d.cores())
	wc := d.categoryChart("cpu-util", "CPU utilisation (batch load)", "CPU used (cores)", d.Tag(resultfmt.TagThroughput),
		func(c *Cell, x float64) (specPoint, bool) {
			top = math.Max(top, c.Summary.CPUCores.Max)
			return statPoint(x, c.Summary.CPUCores, len(c.Trials), ""), true
		})
	n := float64(len(wc.Cats))
	wc.Refs = append(wc.Refs, refSeries(fmt.Sprintf("%d cores (machine)", d.cores()), [2]float64{-0.5, float64(d.cores())}, [2]float64{n - 0.5, float64(d.cores())}))
	wc.Y.Range = []float64{0, top * 1.45}
	wc.LegendLeft = true
	return []*chartSpec{wc}
}

// cpuTimelineSpecs describe the CPU-use timeline: the cores busy over time
// of each model's median-makespan repeat on one batch (cpu-hash when
// present), a step per model, in panels on shared axes, with the machine's
// cores as the bound.
func cpuTimelineSpecs(d *Data) []*chartSpec {
	all := d.Tag(resultfmt.TagThroughput)
	w := timelineWorkload(all)
	wc := &chartSpec{ID: "cpu-timeline", X: specAxis{Label: "time since trial start (ms)"}, Y: specAxis{Label: "cores busy"}, Panels: true}
	tMax, yMax, tasks := 0.0, float64(d.cores()), 0
	for _, c := range all {
		if c.Spec.Workload != w || len(c.Trials) == 0 {
			continue
		}
		r := c.median(func(r resultfmt.Result) float64 { return r.Makespan })
		if len(r.Timeline) == 0 {
			continue
		}
		pts := []specPoint{{X: 0, Y: 0}}
		for _, s := range r.Timeline {
			pts = append(pts, specPoint{X: s.T, Y: s.Cores})
			tMax, yMax = math.Max(tMax, s.T), math.Max(yMax, s.Cores)
		}
		tasks = c.Spec.Tasks
		wc.Series = append(wc.Series, d.modelSeries(c.Series(), fmt.Sprintf("%s (%.0f ms)", c.Series(), r.Makespan*1000), "step", pts))
	}
	wc.Title = fmt.Sprintf("CPU-use timeline: %s batch of %d tasks", w, tasks)
	wc.Refs = append(wc.Refs, refSeries(fmt.Sprintf("%d cores (machine)", d.cores()), [2]float64{0, float64(d.cores())}, [2]float64{tMax, float64(d.cores())}))
	wc.X.Range, wc.Y.Range = []float64{0, tMax * 1.02}, []float64{0, math.Ceil(yMax*1.1*2) / 2}
	return []*chartSpec{wc}
}
