package report

import (
	"concbench/resultfmt"
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// SpeedupPoint is one model at one worker count on the CPU-bound batch.
type SpeedupPoint struct {
	Model    string
	Workers  int
	Makespan resultfmt.Stat // seconds
	Speedup  resultfmt.Stat // sequential median makespan / this makespan
	Ideal    float64        // min(workers, cores)
}

// speedups computes the speedup points of the "speedup" experiment against
// the sequential model's median makespan. ok is false without a baseline.
func speedups(d *Data) (pts []SpeedupPoint, base float64, ok bool) {
	cells := d.Tag(resultfmt.TagSpeedup)
	for _, c := range cells {
		if c.Spec.Model == "sequential" {
			base = c.Summary.Makespan.Median
		}
	}
	if base <= 0 {
		return nil, 0, false
	}
	for _, c := range cells {
		if c.Spec.Model == "sequential" || c.Summary.Makespan.Median <= 0 {
			continue
		}
		w := c.Conc
		if w <= 0 { // unlimited (goroutines, eventloop): its parallelism is GOMAXPROCS
			w = max(1, c.Trials[0].Config.Procs)
		}
		if c.Spec.Model == "eventloop" {
			// One loop thread whatever its in-flight limit; the suite varies
			// GOMAXPROCS instead, to show more threads do not help it.
			w = max(1, c.Trials[0].Config.Procs)
		}
		m := c.Summary.Makespan
		pts = append(pts, SpeedupPoint{
			Model: c.Spec.Model, Workers: w, Makespan: m,
			Speedup: resultfmt.Stat{Median: base / m.Median, Min: base / m.Max, Max: base / m.Min},
			Ideal:   math.Min(float64(w), float64(d.cores())),
		})
	}
	return pts, base, true
}

// speedupChart is chart 3: speedup over sequential vs workers, with the
// ideal min(workers, cores).
func speedupChart(d *Data) ([]*figure, string, error) {
	pts, base, ok := speedups(d)
	if !ok {
		return nil, "", missing("no sequential baseline in the \"speedup\" experiment")
	}
	if len(pts) == 0 {
		return nil, "", missing("no parallel model in the \"speedup\" experiment")
	}
	p := newPlot(fmt.Sprintf("CPU-bound speedup vs sequential (%s, %d cores)", d.Tag(resultfmt.TagSpeedup)[0].Spec.Workload, d.cores()),
		"workers (pool W, goroutine limit, processes P; eventloop: GOMAXPROCS)", "speedup over sequential (x)")
	maxW := 1
	maxY := float64(d.cores())
	for _, q := range pts {
		maxW = max(maxW, q.Workers)
		maxY = math.Max(maxY, q.Speedup.Max)
	}
	var ideal plotter.XYs
	for w := 1; w <= maxW; w++ {
		ideal = append(ideal, plotter.XY{X: float64(w), Y: math.Min(float64(w), float64(d.cores()))})
	}
	if len(ideal) == 1 {
		ideal = append(ideal, plotter.XY{X: float64(maxW) + 1, Y: 1})
	}
	if err := refLine(p, fmt.Sprintf("ideal: min(workers, %d cores)", d.cores()), ideal); err != nil {
		return nil, "", err
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
	order = Models(cellsOf(d.Tag(resultfmt.TagSpeedup), order))
	for _, m := range order {
		label := m
		if m == "eventloop" {
			label = "eventloop (1 loop thread; x = GOMAXPROCS)"
		}
		if err := addSeries(p, m, label, byModel[m], false); err != nil {
			return nil, "", err
		}
	}
	p.X.Min, p.X.Max = 0.5, float64(maxW)+0.5
	p.Y.Min, p.Y.Max = 0, math.Ceil(maxY+0.9)
	p.X.Tick.Marker = intTicks{}
	p.Legend.Left = true
	caption := fmt.Sprintf("Speedup = sequential makespan (median %.3f s) / model makespan on the same CPU-bound batch; median of %s with min..max bars. Dashed: the ideal min(workers, cores) on this %d-core machine; the thin line at 1x is no speedup.",
		base, repeatsText(d.Tag(resultfmt.TagSpeedup)), d.cores())
	return []*figure{single("speedup", p)}, caption, nil
}

// cellsOf keeps the cells whose model is in ms.
func cellsOf(cells []*Cell, ms []string) []*Cell {
	var out []*Cell
	for _, c := range cells {
		for _, m := range ms {
			if c.Spec.Model == m {
				out = append(out, c)
			}
		}
	}
	return out
}

// intTicks labels every integer in range.
type intTicks struct{}

// Ticks implements plot.Ticker.
func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for v := math.Ceil(lo); v <= hi; v++ {
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	return ts
}
