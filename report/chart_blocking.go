package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"concbench/resultfmt"
)

// blockingChart is chart 9: per-task latency over arrival time, one panel
// per model (the event loop vs a goroutine per task), blocking tasks marked.
func blockingChart(d *Data) ([]*figure, string, error) {
	ss := stalls(d)
	if len(ss) == 0 {
		return nil, "", missing("no \"blocking\" trials with a per-task series (Spec.Series) in the results")
	}
	yMax, tMax := 0.0, 0.0
	for _, s := range ss {
		for _, pt := range s.Trial.Series {
			yMax = math.Max(yMax, pt.Latency)
			tMax = math.Max(tMax, pt.Arrive/1000)
		}
	}
	grid := make([][]*plot.Plot, len(ss))
	for i, s := range ss {
		xlabel := ""
		if i == len(ss)-1 {
			xlabel = "intended arrival time (s)"
		}
		p := newPlot(s.label(), xlabel, "latency (ms)")
		p.Title.TextStyle.Font.Size = vg.Points(11)
		var normal, blocking plotter.XYs
		for _, pt := range thinSeries(s.Trial.Series, maxScatter) {
			xy := plotter.XY{X: pt.Arrive / 1000, Y: pt.Latency}
			if pt.Blocking {
				blocking = append(blocking, xy)
			} else {
				normal = append(normal, xy)
			}
		}
		if len(normal) > 0 {
			sc, err := plotter.NewScatter(normal)
			if err != nil {
				return nil, "", err
			}
			sc.Color = d.color(s.Model)
			sc.Shape = draw.CircleGlyph{}
			sc.Radius = vg.Points(1.6)
			p.Add(sc)
			p.Legend.Add("task", sc)
		}
		if len(blocking) > 0 {
			sc, err := plotter.NewScatter(blocking)
			if err != nil {
				return nil, "", err
			}
			sc.Color = okVermillion
			sc.Shape = draw.CrossGlyph{}
			sc.Radius = vg.Points(5)
			p.Add(sc)
			p.Legend.Add(fmt.Sprintf("task making a %.0f ms blocking call", s.Block), sc)
		}
		if err := refLine(p, fmt.Sprintf("ideal: own wait %.0f ms", s.Ideal), plotter.XYs{{X: 0, Y: s.Ideal}, {X: tMax, Y: s.Ideal}}); err != nil {
			return nil, "", err
		}
		p.X.Min, p.X.Max = 0, tMax*1.01
		p.Y.Min, p.Y.Max = 0, yMax*1.35
		p.Legend.Top = true
		p.Legend.Left = false
		p.Legend.TextStyle.Font.Size = vg.Points(9.5)
		grid[i] = []*plot.Plot{p}
	}
	c := d.Tag(resultfmt.TagBlocking)[0]
	fig := &figure{name: "blocking", grid: grid, w: chartW, h: chartH * vg.Length(math.Max(1, 0.6*float64(len(ss)))),
		title: fmt.Sprintf("The blocking mistake: %s under %s", c.Spec.Workload, c.Spec.Load)}
	caption := fmt.Sprintf("Latency of each task (dots, from its intended arrival) against its arrival time; crosses: the tasks that also make a %v blocking call (1 in %d). Shared y axis; the repeat with the median worst non-blocking latency of each model. Above %d tasks, each slice of arrival time shows its fastest and slowest task (the envelope) and every blocking task. On an event loop the blocking call runs on the loop thread, so every task in flight waits for it: a vertical stripe of delayed tasks.",
		c.Spec.Params.Block, c.Spec.Params.BlockEvery, maxScatter)
	return []*figure{fig}, caption, nil
}
