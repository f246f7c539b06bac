package report

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"concbench/resultfmt"
)

// memoryChart is chart 7: memory per in-flight task against in-flight tasks
// (log-log): each cell's (plateau - base RSS) / tasks in flight on the
// plateau, and each model's fitted slope as a dashed level.
func memoryChart(d *Data) ([]*figure, string, error) {
	cells := d.Tag(resultfmt.TagMemory)
	if len(cells) == 0 {
		return nil, "", missing("no trials tagged \"memory\" in the results")
	}
	specs := memorySpecs(d)
	if specs == nil {
		return nil, "", missing("no memory trial grew its RSS above the baseline")
	}
	p, err := linePlot(d, specs[0])
	if err != nil {
		return nil, "", err
	}
	c0 := cells[0]
	caption := fmt.Sprintf("Each point: (RSS on the plateau - RSS before the trial) / tasks in flight on the plateau, for a batch of %s tasks that each wait %s, median of %s with min..max bars. "+
		"The plateau is the span, found afterwards from every task's start and end times, when the most tasks were in flight at once; its RSS is the highest process-tree RSS sampled inside it (every 20 ms, from the parent process), so tasks finishing, result slots being summarised and samples after the window do not count. "+
		"The RSS before the trial is taken just before time zero and already holds the task list, the per-task result slots (written once before it, so the harness's own memory per task%s stays out of the figure) and the model's set-up. "+
		"Dashed: the slope of a least-squares line of plateau RSS against tasks in flight over all of a model's trials, the per-task figure quoted in the legend. %s and %s hold at most W (P) tasks in flight, so their W (P) is set to N.",
		c0.Spec.Workload, modelWaits(cells), harnessPerTask(cells), repeatsText(cells), capital(d.modelWhere(goKind(resultfmt.KindPool, false))), d.modelWhere(goProcesses))
	return []*figure{single("memory", p)}, caption, nil
}

// memorySpecs describe the memory chart: per model, each cell's plateau
// RSS per task in flight against the tasks in flight on the plateau
// (median, min..max), and the model's least-squares slope as a dashed
// level; the legend top right, where the falling lines leave room. Nil
// when no memory trial grew its RSS.
func memorySpecs(d *Data) []*chartSpec {
	cells := d.Tag(resultfmt.TagMemory)
	fits := map[string]MemFit{}
	for _, f := range memFits(d) {
		fits[f.Model] = f
	}
	wc := &chartSpec{ID: "memory", Title: "Memory per in-flight task",
		X: specAxis{Label: "tasks in flight at once", Log: true}, Y: specAxis{Label: "RSS per in-flight task (KiB)", Log: true}}
	xLo, xHi, yLo, yHi := math.Inf(1), 0.0, math.Inf(1), 0.0
	for _, m := range SeriesOf(cells) {
		var pts []specPoint
		for _, c := range ByModel(cells)[m] {
			x := c.stat(func(r resultfmt.Result) float64 { return float64(r.PlateauInflight) })
			y := c.stat(func(r resultfmt.Result) float64 { return r.MemPerInflight / 1024 })
			if x.Median <= 0 || y.Median <= 0 || y.Min <= 0 {
				continue
			}
			pts = append(pts, statPoint(x.Median, y, len(c.Trials), fmt.Sprintf("%d tasks", c.Spec.Tasks)))
			xLo, xHi = math.Min(xLo, x.Median), math.Max(xHi, x.Median)
			yLo, yHi = math.Min(yLo, y.Min), math.Max(yHi, y.Max)
		}
		if len(pts) == 0 {
			continue
		}
		s := d.modelSeries(m, m, "line", pts)
		if f, ok := fits[m]; ok && f.PerTask > 0 {
			s.Label = fmt.Sprintf("%s: %s/task (fit)", m, fmtBytes(f.PerTask))
			s.Fit = [][2]float64{{f.MinInflight, f.PerTask / 1024}, {f.MaxInflight, f.PerTask / 1024}}
			yLo, yHi = math.Min(yLo, f.PerTask/1024), math.Max(yHi, f.PerTask/1024)
		}
		wc.Series = append(wc.Series, s)
	}
	if xHi == 0 {
		return nil
	}
	wc.X.Range, wc.Y.Range = []float64{xLo / 1.5, xHi * 1.5}, []float64{yLo / 1.5, yHi * 4 * 1.5}
	return []*chartSpec{wc}
}

// modelWaits says how long each model's tasks wait in cells: one duration
// when all share it, else each distinct wait with its models, e.g. "1s
// (py-asyncio, node-eventloop: 800ms)".
func modelWaits(cells []*Cell) string {
	by := map[time.Duration][]string{}
	for _, c := range cells {
		w := c.Spec.Params.Sleep
		if !slices.Contains(by[w], c.Spec.Model) {
			by[w] = append(by[w], c.Spec.Model)
		}
	}
	waits := slices.SortedFunc(maps.Keys(by), func(a, b time.Duration) int {
		if n := len(by[b]) - len(by[a]); n != 0 {
			return n
		}
		return int(a - b)
	})
	out := waits[0].String()
	var rest []string
	for _, w := range waits[1:] {
		rest = append(rest, fmt.Sprintf("%s: %v", strings.Join(by[w], ", "), w))
	}
	if len(rest) > 0 {
		out += " (" + strings.Join(rest, "; ") + ")"
	}
	return out
}

// harnessPerTask is the harness's own memory per task the cells' results
// publish, as " (N B)", or "" for results from before it was published.
func harnessPerTask(cells []*Cell) string {
	var b float64
	for _, c := range cells {
		for _, t := range c.Trials {
			b = max(b, t.HarnessMemPerTask)
		}
	}
	if b == 0 {
		return ""
	}
	return fmt.Sprintf(", %.0f B", b)
}
