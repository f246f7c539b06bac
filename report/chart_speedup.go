package report

import (
	"fmt"
	"math"
	"slices"

	"concbench/resultfmt"
)

// speedupChart is chart 3: speedup over sequential vs workers, with the
// ideal min(workers, cores).
func speedupChart(d *Data) ([]*figure, string, error) {
	pts, base, ok := speedups(d)
	if !ok {
		return nil, "", missing("no baseline (one-thread model) in the \"speedup\" experiment")
	}
	if len(pts) == 0 {
		return nil, "", missing("no parallel model in the \"speedup\" experiment")
	}
	cores, _ := d.machineCores()
	p, err := linePlot(d, speedupSpecs(d)[0])
	if err != nil {
		return nil, "", err
	}
	machine := fmt.Sprintf("this %d-core machine", d.cores())
	if len(d.Inputs) > 1 {
		machine = fmt.Sprintf("each machine (%s cores; speedups against each machine's own sequential run)", joinInts(cores))
	}
	caption := fmt.Sprintf("Speedup = sequential makespan (median %.3f s) / model makespan on the same CPU-bound batch; median of %s with min..max bars. Dashed: the ideal min(workers, cores) on %s; the thin line at 1x is no speedup.",
		base, repeatsText(d.Tag(resultfmt.TagSpeedup)), machine)
	return []*figure{single("speedup", p)}, caption, nil
}

// cellsOf keeps the cells whose model is in ms.
func cellsOf(cells []*Cell, ms []string) []*Cell {
	var out []*Cell
	for _, c := range cells {
		for _, m := range ms {
			if c.Series() == m {
				out = append(out, c)
			}
		}
	}
	return out
}

// speedupSpecs describe the speedup chart: each model's speedup over the
// baseline per worker count (median, min..max), the ideal min(workers,
// cores) per machine and the 1x line.
func speedupSpecs(d *Data) []*chartSpec {
	pts, _, _ := speedups(d)
	xl, yl := speedupAxes(d)
	wc := &chartSpec{ID: "speedup", Title: speedupTitle(d), X: specAxis{Label: xl, Ints: true}, Y: specAxis{Label: yl}, LegendLeft: true}
	byModel := map[string][]specPoint{}
	var order []string
	cores, _ := d.machineCores()
	maxW, maxY := 1, float64(slices.Max(cores))
	for _, q := range pts {
		if _, seen := byModel[q.Model]; !seen {
			order = append(order, q.Model)
		}
		maxW, maxY = max(maxW, q.Workers), math.Max(maxY, q.Speedup.Max)
		n := len(ByModel(d.Tag(resultfmt.TagSpeedup))[q.Model][0].Trials)
		byModel[q.Model] = append(byModel[q.Model], statPoint(float64(q.Workers), q.Speedup, n, fmt.Sprintf("makespan %s s", num(q.Makespan.Median))))
	}
	for _, m := range SeriesOf(cellsOf(d.Tag(resultfmt.TagSpeedup), order)) {
		wc.Series = append(wc.Series, d.modelSeries(m, speedupLabel(d, m), "line", byModel[m]))
	}
	for _, l := range speedupIdeals(d, maxW) {
		wc.Refs = append(wc.Refs, refSeries(l.Label, l.Pts...))
	}
	one := refSeries("1x: no speedup", [2]float64{0.5, 1}, [2]float64{float64(maxW) + 0.5, 1})
	one.Style = "dots"
	wc.Refs = append(wc.Refs, one)
	wc.X.Range = []float64{0.5, float64(maxW) + 0.5}
	wc.Y.Range = []float64{0, math.Ceil(maxY + 0.9)}
	return []*chartSpec{wc}
}
