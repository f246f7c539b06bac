package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"concbench/resultfmt"
)

// The interactive report (report.html) draws the same charts as REPORT.md
// from the same analysis (speedups, memFits, openCurves, stalls, ...), as
// data for the page's charting library instead of gonum/plot figures.

// webChart is one interactive chart: series of points per model,
// reference lines, and the axes' labels and scales.
type webChart struct {
	ID      string      `json:"id"`
	Family  string      `json:"family"`
	Title   string      `json:"title"`
	Caption string      `json:"caption"`
	X       webAxis     `json:"x"`
	Y       webAxis     `json:"y"`
	Cats    []string    `json:"cats,omitempty"` // x is a category index
	Series  []webSeries `json:"series"`
	Refs    []webSeries `json:"refs,omitempty"` // reference lines (no model)
}

// webAxis is an axis; Toggle offers log/linear when the data span decades.
type webAxis struct {
	Label  string `json:"label"`
	Log    bool   `json:"log"`
	Toggle bool   `json:"toggle"`
}

// webSeries is one model's points (or, in Refs, a grey reference line).
// Style is line (line and markers), points (markers), step (a stepped line
// filled below) or dots (a dense scatter).
type webSeries struct {
	Model string     `json:"model,omitempty"`
	Label string     `json:"label"`
	Color string     `json:"color"`
	Style string     `json:"style"`
	Pts   []webPoint `json:"pts"`
}

// webPoint is one value: X, Y (the median over N repeats), its min..max
// range R when the repeats differ, a note for the tooltip, and a Mark
// drawn over it: "x" (a blocking task) or "ring" (a knee).
type webPoint struct {
	X    float64   `json:"x"`
	Y    float64   `json:"y"`
	R    []float64 `json:"r,omitempty"`
	N    int       `json:"n,omitempty"`
	Note string    `json:"note,omitempty"`
	Mark string    `json:"mark,omitempty"`
}

// hexColor is c as #rrggbb, the colour a model has in the PNG charts.
func hexColor(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

// statPoint is a point from a Stat over n repeats.
func statPoint(x float64, s resultfmt.Stat, n int, note string) webPoint {
	p := webPoint{X: x, Y: s.Median, N: n, Note: note}
	if s.Min != s.Max {
		p.R = []float64{s.Min, s.Max}
	}
	return p
}

// modelSeries is a series (a model, or "model @ machine" across machines)
// in its colour in the PNG charts.
func (d *Data) modelSeries(series, label, style string, pts []webPoint) webSeries {
	if label == "" {
		label = series
	}
	return webSeries{Model: series, Label: label, Color: hexColor(d.color(series)), Style: style, Pts: pts}
}

// refSeries is a grey reference line through xys.
func refSeries(label string, xys ...[2]float64) webSeries {
	s := webSeries{Label: label, Color: hexColor(refGrey), Style: "line"}
	for _, p := range xys {
		s.Pts = append(s.Pts, webPoint{X: p[0], Y: p[1]})
	}
	return s
}

// spansDecades reports whether the positive ys of the charts' series span
// two decades or more (a log axis helps).
func spansDecades(series []webSeries) bool {
	lo, hi := math.Inf(1), 0.0
	for _, s := range series {
		for _, p := range s.Pts {
			if v := p.Y; v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	return hi > 0 && hi/lo >= 100
}

// finish sets the axes' toggles: a y axis whose data span decades, and an
// x axis drawn logarithmic (tasks, in-flight counts; not times or rates).
func (c *webChart) finish() *webChart {
	c.Y.Toggle = c.Y.Log || spansDecades(c.Series)
	c.X.Toggle = c.X.Log
	return c
}

// webCharts builds the interactive charts, one per chart file of the
// report, in report order.
func webCharts(d *Data, charts []Chart) []*webChart {
	var out []*webChart
	for _, ch := range charts {
		i := slices.IndexFunc(builders, func(b builder) bool { return b.id == ch.ID })
		if i < 0 || ch.Missing != "" {
			continue
		}
		for _, wc := range builders[i].web(d) {
			wc.Family = ch.ID
			wc.Caption = ch.Caption
			out = append(out, wc.finish())
		}
	}
	return out
}

// categoryChart is a chart of one figure per model and workload of cells
// (category x, models side by side); value returns a cell's point value.
func (d *Data) categoryChart(id, title, ylabel string, cells []*Cell, value func(c *Cell, x float64) (webPoint, bool)) *webChart {
	wls, ms := Workloads(cells), SeriesOf(cells)
	wc := &webChart{ID: id, Title: title, X: webAxis{Label: "workload"}, Y: webAxis{Label: ylabel}}
	for _, w := range wls {
		tasks := 0
		for _, c := range cells {
			if c.Spec.Workload == w {
				tasks = c.Spec.Tasks
				break
			}
		}
		wc.Cats = append(wc.Cats, fmt.Sprintf("%s (%d tasks)", w, tasks))
	}
	for mi, m := range ms {
		off, _ := groupOffset(mi, len(ms))
		var pts []webPoint
		for wi, w := range wls {
			for _, c := range ByModel(cells)[m] {
				if c.Spec.Workload != w {
					continue
				}
				if p, ok := value(c, float64(wi)+off); ok {
					pts = append(pts, p)
				}
			}
		}
		wc.Series = append(wc.Series, d.modelSeries(m, "", "points", pts))
	}
	return wc
}

func webThroughput(d *Data) []*webChart {
	wc := d.categoryChart("throughput", "Throughput per model (batch load)", "throughput (tasks/s)", d.Tag(resultfmt.TagThroughput),
		func(c *Cell, x float64) (webPoint, bool) {
			return statPoint(x, c.Summary.Throughput, len(c.Trials), ""), c.Summary.Throughput.Median > 0
		})
	wc.Y.Log = true
	return []*webChart{wc}
}

func webCPUTime(d *Data) []*webChart {
	wc := d.categoryChart("cpu-time", "CPU time per 1,000 tasks (batch load)", "CPU s per 1,000 tasks (user + sys)", d.Tag(resultfmt.TagThroughput),
		func(c *Cell, x float64) (webPoint, bool) {
			u, s := cpuPer1000(c)
			return webPoint{X: x, Y: u + s, N: len(c.Trials), Note: fmt.Sprintf("user %s s + sys %s s (median repeat)", num(u), num(s))}, u+s > 0
		})
	wc.Y.Log = true
	return []*webChart{wc}
}

func webCPUUtil(d *Data) []*webChart {
	wc := d.categoryChart("cpu-util", "CPU utilisation (batch load)", "CPU used (cores)", d.Tag(resultfmt.TagThroughput),
		func(c *Cell, x float64) (webPoint, bool) {
			return statPoint(x, c.Summary.CPUCores, len(c.Trials), ""), true
		})
	n := float64(len(wc.Cats))
	wc.Refs = append(wc.Refs, refSeries(fmt.Sprintf("%d cores (machine)", d.cores()), [2]float64{-0.5, float64(d.cores())}, [2]float64{n - 0.5, float64(d.cores())}))
	return []*webChart{wc}
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

func webLatency(d *Data) []*webChart {
	cells, _ := latencySource(d)
	var out []*webChart
	for _, w := range Workloads(cells) {
		wc := &webChart{ID: "latency-" + w, Title: "Latency percentiles: " + w,
			X: webAxis{Label: "percentile (nines: 0.3 = p50, 1 = p90, 2 = p99, 3 = p99.9)"}, Y: webAxis{Label: "latency (ms)", Log: true}}
		for _, c := range cells {
			if c.Spec.Workload != w {
				continue
			}
			var pts []webPoint
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

func webSpeedup(d *Data) []*webChart {
	pts, _, _ := speedups(d)
	xl, yl := speedupAxes(d)
	wc := &webChart{ID: "speedup", Title: speedupTitle(d),
		X: webAxis{Label: xl}, Y: webAxis{Label: yl}}
	byModel := map[string][]webPoint{}
	var order []string
	maxW := 1
	for _, q := range pts {
		if _, seen := byModel[q.Model]; !seen {
			order = append(order, q.Model)
		}
		maxW = max(maxW, q.Workers)
		n := len(ByModel(d.Tag(resultfmt.TagSpeedup))[q.Model][0].Trials)
		byModel[q.Model] = append(byModel[q.Model], statPoint(float64(q.Workers), q.Speedup, n, fmt.Sprintf("makespan %s s", num(q.Makespan.Median))))
	}
	for _, m := range SeriesOf(cellsOf(d.Tag(resultfmt.TagSpeedup), order)) {
		wc.Series = append(wc.Series, d.modelSeries(m, speedupLabel(d, m), "line", byModel[m]))
	}
	for _, l := range speedupIdeals(d, maxW) {
		wc.Refs = append(wc.Refs, refSeries(l.Label, l.Pts...))
	}
	return []*webChart{wc}
}

func webIOScaling(d *Data) []*webChart {
	cells := d.Tag(resultfmt.TagIOScaling)
	sleep := cells[0].Spec.Params.Sleep
	wc := &webChart{ID: "io-scaling", Title: fmt.Sprintf("I/O scaling: %s batch (one %v wait per task)", cells[0].Spec.Workload, sleep),
		X: webAxis{Label: "tasks in the batch", Log: true}, Y: webAxis{Label: "makespan (s)", Log: true}}
	nLo, nHi := math.Inf(1), 0.0
	var bounds []webSeries
	for _, l := range ioLines(d, cells) {
		m := l.Series
		var pts []webPoint
		for _, c := range ByModel(cells)[m] {
			n := float64(c.Spec.Tasks)
			nLo, nHi = math.Min(nLo, n), math.Max(nHi, n)
			if c.Summary.Makespan.Median > 0 {
				pts = append(pts, statPoint(n, c.Summary.Makespan, len(c.Trials), "concurrency "+conc(c)))
			}
		}
		wc.Series = append(wc.Series, d.modelSeries(m, l.Label, "line", pts))
		if l.Bound != nil {
			b := refSeries(l.Bound.Label, l.Bound.Pts...)
			b.Color = hexColor(d.color(m))
			bounds = append(bounds, b)
		}
	}
	lat := sleep.Seconds()
	wc.Refs = append(wc.Refs, refSeries(fmt.Sprintf("ideal: one wait (%v)", sleep), [2]float64{nLo, lat}, [2]float64{nHi, lat}),
		refSeries(fmt.Sprintf("sequential bound: N x %v", sleep), [2]float64{nLo, nLo * lat}, [2]float64{nHi, nHi * lat}))
	wc.Refs = append(wc.Refs, bounds...)
	return []*webChart{wc}
}

func webMemory(d *Data) []*webChart {
	cells := d.Tag(resultfmt.TagMemory)
	fits := map[string]MemFit{}
	for _, f := range memFits(d) {
		fits[f.Model] = f
	}
	wc := &webChart{ID: "memory", Title: "Memory per in-flight task",
		X: webAxis{Label: "tasks in flight at peak", Log: true}, Y: webAxis{Label: "RSS per in-flight task (KiB)", Log: true}}
	for _, m := range SeriesOf(cells) {
		var pts []webPoint
		for _, c := range ByModel(cells)[m] {
			x := c.stat(func(r resultfmt.Result) float64 { return float64(r.PeakInflight) })
			y := c.stat(func(r resultfmt.Result) float64 { return r.MemPerInflight / 1024 })
			if x.Median > 0 && y.Median > 0 {
				pts = append(pts, statPoint(x.Median, y, len(c.Trials), fmt.Sprintf("%d tasks", c.Spec.Tasks)))
			}
		}
		label := m
		if f, ok := fits[m]; ok && f.PerTask > 0 {
			label = fmt.Sprintf("%s: %s/task (fit)", m, fmtBytes(f.PerTask))
		}
		wc.Series = append(wc.Series, d.modelSeries(m, label, "line", pts))
	}
	return []*webChart{wc}
}

func webOpenLoad(d *Data) []*webChart {
	cells := d.Tag(resultfmt.TagOpenLoad)
	wc := &webChart{ID: "open-load", Title: fmt.Sprintf("Latency vs offered load: %s, open arrivals", cells[0].Spec.Workload),
		X: webAxis{Label: "offered load (tasks/s)"}, Y: webAxis{Label: "p99 latency (ms)", Log: true}}
	for _, cur := range openCurves(d) {
		var pts []webPoint
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
	return []*webChart{wc}
}

func webTimeline(d *Data) []*webChart {
	all := d.Tag(resultfmt.TagThroughput)
	w := timelineWorkload(all)
	wc := &webChart{ID: "cpu-timeline", Title: fmt.Sprintf("CPU-use timeline: %s batch", w),
		X: webAxis{Label: "time since trial start (ms)"}, Y: webAxis{Label: "cores busy"}}
	tMax := 0.0
	for _, c := range all {
		if c.Spec.Workload != w || len(c.Trials) == 0 {
			continue
		}
		r := c.median(func(r resultfmt.Result) float64 { return r.Makespan })
		if len(r.Timeline) == 0 {
			continue
		}
		pts := []webPoint{{X: 0, Y: 0}}
		for _, s := range r.Timeline {
			pts = append(pts, webPoint{X: s.T, Y: s.Cores})
			tMax = math.Max(tMax, s.T)
		}
		wc.Series = append(wc.Series, d.modelSeries(c.Series(), fmt.Sprintf("%s (%.0f ms)", c.Series(), r.Makespan*1000), "step", pts))
	}
	wc.Refs = append(wc.Refs, refSeries(fmt.Sprintf("%d cores (machine)", d.cores()), [2]float64{0, float64(d.cores())}, [2]float64{tMax, float64(d.cores())}))
	return []*webChart{wc}
}

func webBlocking(d *Data) []*webChart {
	ss := stalls(d)
	c := d.Tag(resultfmt.TagBlocking)[0]
	wc := &webChart{ID: "blocking", Title: fmt.Sprintf("The blocking mistake: %s under %s", c.Spec.Workload, c.Spec.Load),
		X: webAxis{Label: "intended arrival time (s); crosses: tasks that made the blocking call"}, Y: webAxis{Label: "latency (ms)"}}
	tMax, ideal := 0.0, 0.0
	for _, s := range ss {
		var pts []webPoint
		for _, pt := range thinSeries(s.Trial.Series, maxScatter) {
			p := webPoint{X: pt.Arrive / 1000, Y: pt.Latency, Note: fmt.Sprintf("task %d", pt.Task)}
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
	return []*webChart{wc}
}
