package report

import (
	"fmt"
	"math"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"

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
// the percentile on a nines scale, one line per model.
func latencyCharts(d *Data) ([]*figure, string, error) {
	cells, how := latencySource(d)
	if len(cells) == 0 {
		return nil, "", missing("no \"latency\" or \"throughput\" trials in the results")
	}
	var figs []*figure
	for _, w := range Workloads(cells) {
		maxP := 99.9
		p := newPlot(fmt.Sprintf("Latency percentiles: %s", w), "percentile (nines scale)", "latency (ms, log scale)")
		logAxis(&p.Y)
		p.X.Tick.Marker = ninesTicks{}
		lo, hi := math.Inf(1), 0.0
		for _, c := range cells {
			if c.Spec.Workload != w {
				continue
			}
			h := mergedHDR(c)
			var xys plotter.XYs
			pmax := 99.9
			if h != nil && h.TotalCount() >= 10000 {
				pmax = 99.99
			}
			maxP = math.Max(maxP, pmax)
			for x := 0.0; x <= nines(pmax)+1e-9; x += 0.05 {
				q := 100 * (1 - math.Pow(10, -x))
				var v float64
				if h != nil {
					v = hdrPercentileMS(h, q)
				}
				if v <= 0 {
					continue
				}
				xys = append(xys, plotter.XY{X: x, Y: v})
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
			if len(xys) > 1 {
				l, err := plotter.NewLine(xys)
				if err != nil {
					return nil, "", err
				}
				l.Color = d.color(c.Series())
				l.Width = 2
				p.Add(l)
			}
			// Exact percentiles of each repeat: median with min..max bars.
			var pts errPoints
			for _, q := range []struct {
				p float64
				f func(resultfmt.Result) float64
			}{{50, func(r resultfmt.Result) float64 { return r.Latency.P50 }}, {90, func(r resultfmt.Result) float64 { return r.Latency.P90 }},
				{99, func(r resultfmt.Result) float64 { return r.Latency.P99 }}, {99.9, func(r resultfmt.Result) float64 { return r.Latency.P999 }}} {
				s := c.stat(q.f)
				if s.Median > 0 {
					pts = append(pts, errPoint{X: nines(q.p), Y: s.Median, Lo: s.Min, Hi: s.Max})
					lo, hi = math.Min(lo, s.Min), math.Max(hi, s.Max)
				}
			}
			if err := addMarkers(p, d.seriesStyle(c.Series()), c.Series(), pts); err != nil {
				return nil, "", err
			}
		}
		if hi == 0 {
			continue
		}
		padLogRange(&p.Y, lo, hi*3)
		p.X.Min, p.X.Max = 0, nines(maxP)+0.05
		p.Legend.Left = true
		figs = append(figs, single("latency-"+fileName(w), p))
	}
	if len(figs) == 0 {
		return nil, "", missing("no latency data (no completed trial had a latency histogram)")
	}
	caption := fmt.Sprintf("Per-task latency by percentile under %s, from the HDR histograms merged over %s (lines) and each repeat's exact p50/p90/p99/p99.9 (markers: median, bars: min..max). The x axis is the nines scale: each step right is ten times rarer.",
		how, repeatsText(cells))
	return figs, caption, nil
}

// addMarkers adds a model's markers with error bars (no connecting line)
// and its legend entry.
func addMarkers(p *plot.Plot, st modelStyle, label string, pts errPoints) error {
	if len(pts) == 0 {
		return nil
	}
	xys := make(plotter.XYs, len(pts))
	for i, q := range pts {
		xys[i] = plotter.XY{X: q.X, Y: q.Y}
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return err
	}
	s.Color = st.color
	s.Shape = st.glyph
	s.Radius = 3.5
	p.Add(s)
	if hasSpread(pts) {
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return err
		}
		eb.Color = st.color
		p.Add(eb)
	}
	l, _ := plotter.NewLine(plotter.XYs{{}, {}})
	l.Color = st.color
	l.Width = 2
	p.Legend.Add(label, l, s)
	return nil
}
