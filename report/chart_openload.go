package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"concbench/resultfmt"
)

// openLoadChart is chart 8: p99 latency vs offered rate under the open
// load (the hockey stick), each model's knee marked.
func openLoadChart(d *Data) ([]*figure, string, error) {
	curves := openCurves(d)
	if len(curves) == 0 {
		return nil, "", missing("no open:RATE trials tagged \"open-load\" in the results")
	}
	cells := d.Tag(resultfmt.TagOpenLoad)
	p := newPlot(fmt.Sprintf("Latency vs offered load: %s, open arrivals", cells[0].Spec.Workload),
		"offered load (tasks/s)", "p99 latency (ms, log scale)")
	logAxis(&p.Y)
	yLo, yHi, xHi := math.Inf(1), 0.0, 0.0
	for _, cur := range curves {
		var pts errPoints
		for _, q := range cur.Points {
			if q.P99.Median <= 0 {
				continue
			}
			pts = append(pts, errPoint{X: q.Rate, Y: q.P99.Median, Lo: q.P99.Min, Hi: q.P99.Max})
			yLo, yHi = math.Min(yLo, q.P99.Min), math.Max(yHi, q.P99.Max)
			xHi = math.Max(xHi, q.Rate)
		}
		label := cur.Model + ": no knee"
		if cur.Knee >= 0 {
			label = fmt.Sprintf("%s: knee at %s/s", cur.Model, fmtNum(cur.Points[cur.Knee].Rate))
		}
		if err := addSeries(p, d.seriesStyle(cur.Model), label, pts, false); err != nil {
			return nil, "", err
		}
		if cur.Knee >= 0 && cur.Points[cur.Knee].P99.Median > 0 {
			k := cur.Points[cur.Knee]
			s, err := plotter.NewScatter(plotter.XYs{{X: k.Rate, Y: k.P99.Median}})
			if err != nil {
				return nil, "", err
			}
			s.Shape = draw.RingGlyph{}
			s.Radius = vg.Points(9)
			s.Color = d.color(cur.Model)
			p.Add(s)
		}
	}
	if yHi == 0 {
		return nil, "", missing("no open-load trial completed")
	}
	padLogRange(&p.Y, yLo, yHi*6)
	p.X.Min, p.X.Max = 0, xHi*1.05
	p.X.Tick.Marker = compactTicks{}
	p.Legend.Left = true
	caption := fmt.Sprintf("p99 latency, measured from each task's intended arrival time (no coordinated omission), as the offered rate grows; median of %s with min..max bars; every rate offered for the same duration. Rings mark each model's knee, found automatically: the first rate where every repeat has a p99 above %.0fx the lowest-rate p99 (taken as at least %.0f ms) or a throughput below %.0f%% of the offered rate; a rate where only some repeats do is borderline, not a knee.",
		repeatsText(cells), KneeP99Factor, KneeMinP99, KneeThroughput*100)
	return []*figure{single("open-load", p)}, caption, nil
}
