package report

import (
	"fmt"
	"math"

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
	specs := openLoadSpecs(d)
	if specs == nil {
		return nil, "", missing("no open-load trial completed")
	}
	p, err := linePlot(d, specs[0])
	if err != nil {
		return nil, "", err
	}
	caption := fmt.Sprintf("p99 latency, measured from each task's intended arrival time (no coordinated omission), as the offered rate grows; median of %s with min..max bars; every rate offered for the same duration. Rings mark each model's knee, found automatically: the first rate where every repeat has a p99 above %.0fx the lowest-rate p99 (taken as at least %.0f ms) or a throughput below %.0f%% of the offered rate; a rate where only some repeats do is borderline, not a knee.",
		repeatsText(cells), KneeP99Factor, KneeMinP99, KneeThroughput*100)
	return []*figure{single("open-load", p)}, caption, nil
}

// openLoadSpecs describe the open-load chart: each model's p99 per offered
// rate (median, min..max), its knee ringed; nil when no trial completed.
func openLoadSpecs(d *Data) []*chartSpec {
	cells := d.Tag(resultfmt.TagOpenLoad)
	wc := &chartSpec{ID: "open-load", Title: fmt.Sprintf("Latency vs offered load: %s, open arrivals", cells[0].Spec.Workload),
		X: specAxis{Label: "offered load (tasks/s)", Compact: true}, Y: specAxis{Label: "p99 latency (ms)", Log: true}, LegendLeft: true}
	yLo, yHi, xHi := math.Inf(1), 0.0, 0.0
	for _, cur := range openCurves(d) {
		var pts []specPoint
		for i, q := range cur.Points {
			note := fmt.Sprintf("achieved %s tasks/s", num(q.Throughput.Median))
			if i == cur.Knee {
				note += "; knee: " + cur.Why
			}
			if q.P99.Median > 0 {
				n := 0
				for _, c := range ByModel(cells)[cur.Model] {
					if resultfmt.OpenRate(c.Spec.Load) == q.Rate {
						n = len(c.Trials)
					}
				}
				p := statPoint(q.Rate, q.P99, n, note)
				yLo, yHi, xHi = math.Min(yLo, q.P99.Min), math.Max(yHi, q.P99.Max), math.Max(xHi, q.Rate)
				if i == cur.Knee {
					p.Mark = "ring"
				}
				pts = append(pts, p)
			}
		}
		label := cur.Model + ": no knee"
		if cur.Knee >= 0 {
			label = fmt.Sprintf("%s: knee at %s/s", cur.Model, fmtNum(cur.Points[cur.Knee].Rate))
		}
		wc.Series = append(wc.Series, d.modelSeries(cur.Model, label, "line", pts))
	}
	if yHi == 0 {
		return nil
	}
	wc.X.Range, wc.Y.Range = []float64{0, xHi * 1.05}, []float64{yLo / 1.5, yHi * 6 * 1.5}
	return []*chartSpec{wc}
}
