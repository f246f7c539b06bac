package report

import (
	"fmt"
	"math"

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
	specs := ioScalingSpecs(d)
	if specs == nil {
		return nil, "", missing("the io-scaling trials have no task counts or sleep")
	}
	p, err := linePlot(d, specs[0])
	if err != nil {
		return nil, "", err
	}
	caption := fmt.Sprintf("Makespan of a batch of N tasks that each wait %v, median of %s with min..max bars, log-log. Lower dashed line: the ideal, every wait overlapped (one %v). Rising dotted line: N x %v, the sequential bound. Models with a fixed concurrency c (in brackets) cannot beat ceil(N/c) x %v: each c tasks take one more wait (thin dotted staircase in the model's colour).",
		sleep, repeatsText(cells), sleep, sleep, sleep)
	return []*figure{single("io-scaling", p)}, caption, nil
}

// ioScalingSpecs describe the io-scaling chart: each model's makespan per
// batch size (median, min..max), the ideal of one wait, the sequential
// bound N x wait (cut at the top of the data) and each fixed-concurrency
// model's ceil(N/c) x wait bound; nil without task counts or a wait.
func ioScalingSpecs(d *Data) []*chartSpec {
	cells := d.Tag(resultfmt.TagIOScaling)
	if len(cells) == 0 {
		return nil
	}
	sleep := cells[0].Spec.Params.Sleep
	lat := sleep.Seconds()
	wc := &chartSpec{ID: "io-scaling", Title: fmt.Sprintf("I/O scaling: %s batch (one %v wait per task)", cells[0].Spec.Workload, sleep),
		X: specAxis{Label: "tasks in the batch", Log: true}, Y: specAxis{Label: "makespan (s)", Log: true}, LegendLeft: true}
	nLo, nHi := math.Inf(1), 0.0
	yLo, yHi := lat, lat
	var bounds []specSeries
	for _, l := range ioLines(d, cells) {
		m := l.Series
		var pts []specPoint
		for _, c := range ByModel(cells)[m] {
			n := float64(c.Spec.Tasks)
			nLo, nHi = math.Min(nLo, n), math.Max(nHi, n)
			if s := c.Summary.Makespan; s.Median > 0 {
				pts = append(pts, statPoint(n, s, len(c.Trials), "concurrency "+conc(c)))
				yLo, yHi = math.Min(yLo, s.Min), math.Max(yHi, s.Max)
			}
		}
		wc.Series = append(wc.Series, d.modelSeries(m, l.Label, "line", pts))
		if l.Bound != nil {
			b := refSeries(l.Bound.Label, l.Bound.Pts...)
			b.Model, b.Color = m, hexColor(d.color(m))
			bounds = append(bounds, b)
		}
	}
	if nHi == 0 || lat <= 0 {
		return nil
	}
	yHi = math.Max(yHi, math.Min(nHi*lat, yHi*10))
	seq := refSeries(fmt.Sprintf("sequential bound: N x %v", sleep), [2]float64{nLo, nLo * lat}, [2]float64{math.Min(nHi, yHi/lat), math.Min(nHi, yHi/lat) * lat})
	seq.Style = "dots"
	wc.Refs = append([]specSeries{refSeries(fmt.Sprintf("ideal: one wait (%v)", sleep), [2]float64{nLo, lat}, [2]float64{nHi, lat}), seq}, bounds...)
	wc.X.Range, wc.Y.Range = []float64{nLo / 1.5, nHi * 1.5}, []float64{yLo / 1.5, yHi * 1.5}
	return []*chartSpec{wc}
}
