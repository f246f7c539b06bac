package report

import (
	"fmt"
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"concbench/resultfmt"
)

// latencySource picks the cells of chart 2: closed-load "latency" trials,
// or the batch "throughput" trials when the suite has none.
func latencySource(d *Data) ([]*Cell, string) {
	if cs := d.Tag(resultfmt.TagLatency); len(cs) > 0 {
		return cs, "closed load (" + cs[0].Spec.Load + ")"
	}
	return d.Tag(resultfmt.TagThroughput), "batch load (all tasks at t=0, so latency includes queueing behind the batch)"
}

// hdrPercentileMS reads percentile q of a latency histogram (recorded in
// ns) in ms.
func hdrPercentileMS(h *hdr.Histogram, q float64) float64 {
	return float64(h.ValueAtPercentile(q)) / 1e6
}

// mergedHDR merges the latency histograms of a cell's repeats.
func mergedHDR(c *Cell) *hdr.Histogram {
	var m *hdr.Histogram
	for _, r := range c.Trials {
		h, err := resultfmt.DecodeHDR(r.HDR)
		if err != nil || h == nil {
			continue
		}
		if m == nil {
			m = h
		} else {
			m.Merge(h)
		}
	}
	return m
}

// latencyCharts is chart 2: one chart per workload, latency (log) against
// the percentile on a nines scale, one series per model (latencySpecs),
// drawn by linePlot.
func latencyCharts(d *Data) ([]*figure, string, error) {
	cells, how := latencySource(d)
	if len(cells) == 0 {
		return nil, "", missing("no \"latency\" or \"throughput\" trials in the results")
	}
	var figs []*figure
	for _, s := range latencySpecs(d) {
		p, err := linePlot(d, s)
		if err != nil {
			return nil, "", err
		}
		figs = append(figs, single(s.ID, p))
	}
	if len(figs) == 0 {
		return nil, "", missing("no latency data (no completed trial had a latency histogram)")
	}
	caption := fmt.Sprintf("Per-task latency by percentile under %s, from the HDR histograms merged over %s (lines) and each repeat's exact p50/p90/p99/p99.9 (markers: median, bars: min..max). The x axis is the nines scale: each step right is ten times rarer.",
		how, repeatsText(cells))
	return figs, caption, nil
}

// latencyPercentiles are the exact percentiles every trial records.
var latencyPercentiles = []struct {
	p    float64
	name string
	f    func(resultfmt.Result) float64
}{
	{50, "p50", func(r resultfmt.Result) float64 { return r.Latency.P50 }},
	{90, "p90", func(r resultfmt.Result) float64 { return r.Latency.P90 }},
	{99, "p99", func(r resultfmt.Result) float64 { return r.Latency.P99 }},
	{99.9, "p99.9", func(r resultfmt.Result) float64 { return r.Latency.P999 }},
}

// latencySpecs describe the latency charts, one per workload with data:
// per model, each repeat's exact percentiles as markers (median, min..max)
// and the curve of the merged HDR histogram (to p99.99 when it holds
// 10,000 tasks or more) through them; latency on a log axis padded around
// the data, the percentile on the nines scale, the legend at the left.
func latencySpecs(d *Data) []*chartSpec {
	cells, _ := latencySource(d)
	var out []*chartSpec
	for _, w := range Workloads(cells) {
		wc := &chartSpec{ID: "latency-" + fileName(w), Title: "Latency percentiles: " + w, LegendLeft: true,
			X: specAxis{Label: "percentile (nines scale)", Nines: true},
			Y: specAxis{Label: "latency (ms)", Log: true}}
		maxP, lo, hi := 99.9, math.Inf(1), 0.0
		for _, c := range cells {
			if c.Spec.Workload != w {
				continue
			}
			h := mergedHDR(c)
			pmax := 99.9
			if h != nil && h.TotalCount() >= 10000 {
				pmax = 99.99
			}
			maxP = math.Max(maxP, pmax)
			var curve [][2]float64
			for x := 0.0; h != nil && x <= nines(pmax)+1e-9; x += 0.05 {
				if v := hdrPercentileMS(h, 100*(1-math.Pow(10, -x))); v > 0 {
					curve = append(curve, [2]float64{x, v})
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
			var pts []specPoint
			for _, q := range latencyPercentiles {
				if s := c.stat(q.f); s.Median > 0 {
					pts = append(pts, statPoint(nines(q.p), s, len(c.Trials), q.name))
					lo, hi = math.Min(lo, s.Min), math.Max(hi, s.Max)
				}
			}
			s := d.modelSeries(c.Series(), "", "points", pts)
			if len(curve) > 1 {
				s.Curve = curve
			}
			wc.Series = append(wc.Series, s)
		}
		if hi == 0 {
			continue
		}
		wc.X.Range, wc.Y.Range = []float64{0, nines(maxP) + 0.05}, []float64{lo / 1.5, hi * 3 * 1.5}
		out = append(out, wc)
	}
	return out
}
