package report

import (
	"fmt"
	"math"

	"concbench/resultfmt"
)

func webCPUTime(d *Data) []*chartSpec {
	wc := d.categoryChart("cpu-time", "CPU time per 1,000 tasks (batch load)", "CPU s per 1,000 tasks (user + sys)", d.Tag(resultfmt.TagThroughput),
		func(c *Cell, x float64) (specPoint, bool) {
			u, s := cpuPer1000(c)
			return specPoint{X: x, Y: u + s, N: len(c.Trials), Note: fmt.Sprintf("user %s s + sys %s s (median repeat)", num(u), num(s))}, u+s > 0
		})
	wc.Y.Log = true
	return []*chartSpec{wc}
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

func webLatency(d *Data) []*chartSpec {
	cells, _ := latencySource(d)
	var out []*chartSpec
	for _, w := range Workloads(cells) {
		wc := &chartSpec{ID: "latency-" + w, Title: "Latency percentiles: " + w,
			X: specAxis{Label: "percentile (nines: 0.3 = p50, 1 = p90, 2 = p99, 3 = p99.9)"}, Y: specAxis{Label: "latency (ms)", Log: true}}
		for _, c := range cells {
			if c.Spec.Workload != w {
				continue
			}
			var pts []specPoint
			for _, q := range latencyPercentiles {
				if s := c.stat(q.f); s.Median > 0 {
					pts = append(pts, statPoint(nines(q.p), s, len(c.Trials), q.name))
				}
			}
			wc.Series = append(wc.Series, d.modelSeries(c.Series(), "", "line", pts))
		}
		out = append(out, wc)
	}
	return out
}

func webBlocking(d *Data) []*chartSpec {
	ss := stalls(d)
	c := d.Tag(resultfmt.TagBlocking)[0]
	wc := &chartSpec{ID: "blocking", Title: fmt.Sprintf("The blocking mistake: %s under %s", c.Spec.Workload, c.Spec.Load),
		X: specAxis{Label: "intended arrival time (s); crosses: tasks that made the blocking call"}, Y: specAxis{Label: "latency (ms)"}}
	tMax, ideal := 0.0, 0.0
	for _, s := range ss {
		var pts []specPoint
		for _, pt := range thinSeries(s.Trial.Series, maxScatter) {
			p := specPoint{X: pt.Arrive / 1000, Y: pt.Latency, Note: fmt.Sprintf("task %d", pt.Task)}
			if pt.Blocking {
				p.Note += fmt.Sprintf(": made the %s ms blocking call", num(s.Block))
				p.Mark = "x"
			}
			pts = append(pts, p)
			tMax = math.Max(tMax, p.X)
		}
		ideal = s.Ideal
		wc.Series = append(wc.Series, d.modelSeries(s.Model, s.label(), "dots", pts))
	}
	wc.Refs = append(wc.Refs, refSeries(fmt.Sprintf("ideal: own wait %s ms", num(ideal)), [2]float64{0, ideal}, [2]float64{tMax, ideal}))
	return []*chartSpec{wc}
}
