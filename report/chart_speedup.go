package report

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"

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
	xl, yl := speedupAxes(d)
	p := newPlot(speedupTitle(d), xl, yl)
	maxW := 1
	maxY := float64(slices.Max(cores))
	for _, q := range pts {
		maxW = max(maxW, q.Workers)
		maxY = math.Max(maxY, q.Speedup.Max)
	}
	// One ideal line per core count; in a report across machines it names
	// the machines it bounds.
	for i, l := range speedupIdeals(d, maxW) {
		var ideal plotter.XYs
		for _, q := range l.Pts {
			ideal = append(ideal, plotter.XY{X: q[0], Y: q[1]})
		}
		if err := refLineDash(p, l.Label, ideal, 6-2*float64(i%3), 4); err != nil {
			return nil, "", err
		}
	}
	one, _ := plotter.NewLine(plotter.XYs{{X: 0.5, Y: 1}, {X: float64(maxW) + 0.5, Y: 1}})
	one.Color = refGrey
	one.Width = 1
	p.Add(one)
	byModel := map[string]errPoints{}
	var order []string
	for _, q := range pts {
		if _, seen := byModel[q.Model]; !seen {
			order = append(order, q.Model)
		}
		byModel[q.Model] = append(byModel[q.Model], errPoint{X: float64(q.Workers), Y: q.Speedup.Median, Lo: q.Speedup.Min, Hi: q.Speedup.Max})
	}
	order = SeriesOf(cellsOf(d.Tag(resultfmt.TagSpeedup), order))
	for _, m := range order {
		label := speedupLabel(d, m)
		if err := addSeries(p, d.seriesStyle(m), label, byModel[m], false); err != nil {
			return nil, "", err
		}
	}
	p.X.Min, p.X.Max = 0.5, float64(maxW)+0.5
	p.Y.Min, p.Y.Max = 0, math.Ceil(maxY+0.9)
	p.X.Tick.Marker = intTicks{}
	p.Legend.Left = true
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
