package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"

	"concbench/resultfmt"
)

// ioScalingChart is chart 4: makespan vs number of tasks (log-log) for the
// io-sleep batch, with the ideal (one sleep) and sequential (N x sleep)
// reference lines.
func ioScalingChart(d *Data) ([]*figure, string, error) {
	cells := d.Tag(resultfmt.TagIOScaling)
	if len(cells) == 0 {
		return nil, "", missing("no trials tagged \"io-scaling\" in the results")
	}
	sleep := cells[0].Spec.Params.Sleep
	lat := sleep.Seconds()
	p := newPlot(fmt.Sprintf("I/O scaling: %s batch (one %v wait per task)", cells[0].Spec.Workload, sleep),
		"tasks in the batch (log scale)", "makespan (s, log scale)")
	logAxis(&p.X)
	logAxis(&p.Y)
	nLo, nHi := math.Inf(1), 0.0
	yLo, yHi := lat, lat
	for _, c := range cells {
		n := float64(c.Spec.Tasks)
		nLo, nHi = math.Min(nLo, n), math.Max(nHi, n)
		if s := c.Summary.Makespan; s.Max > 0 {
			yLo, yHi = math.Min(yLo, s.Min), math.Max(yHi, s.Max)
		}
	}
	if nHi == 0 || lat <= 0 {
		return nil, "", missing("the io-scaling trials have no task counts or sleep")
	}
	yHi = math.Max(yHi, math.Min(nHi*lat, yHi*10))
	if err := refLine(p, fmt.Sprintf("ideal: one wait (%v)", sleep), plotter.XYs{{X: nLo, Y: lat}, {X: nHi, Y: lat}}); err != nil {
		return nil, "", err
	}
	// Sequential N x latency: clipped to the plot's top so it does not
	// squash the measured lines.
	var seq plotter.XYs
	for _, n := range []float64{nLo, math.Min(nHi, yHi/lat)} {
		seq = append(seq, plotter.XY{X: n, Y: n * lat})
	}
	if err := refLineDash(p, fmt.Sprintf("sequential bound: N x %v", sleep), seq, 2, 3); err != nil {
		return nil, "", err
	}
	for _, l := range ioLines(d, cells) {
		m := l.Series
		if b := l.Bound; b != nil {
			var xys plotter.XYs
			for _, q := range b.Pts {
				xys = append(xys, plotter.XY{X: q[0], Y: q[1]})
			}
			if err := modelBound(p, m, d.color(m), b.Label, xys); err != nil {
				return nil, "", err
			}
		}
		var pts errPoints
		for _, c := range ByModel(cells)[m] {
			if s := c.Summary.Makespan; s.Median > 0 {
				pts = append(pts, errPoint{X: float64(c.Spec.Tasks), Y: s.Median, Lo: s.Min, Hi: s.Max})
			}
		}
		if err := addSeries(p, d.seriesStyle(m), l.Label, pts, false); err != nil {
			return nil, "", err
		}
	}
	padLogRange(&p.X, nLo, nHi)
	padLogRange(&p.Y, yLo, yHi)
	p.Legend.Left = true
	caption := fmt.Sprintf("Makespan of a batch of N tasks that each wait %v, median of %s with min..max bars, log-log. Lower dashed line: the ideal, every wait overlapped (one %v). Rising dotted line: N x %v, the sequential bound. Models with a fixed concurrency c (in brackets) cannot beat ceil(N/c) x %v: each c tasks take one more wait (thin dotted staircase in the model's colour).",
		sleep, repeatsText(cells), sleep, sleep, sleep)
	return []*figure{single("io-scaling", p)}, caption, nil
}
