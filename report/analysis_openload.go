package report

import (
	"concbench/resultfmt"
	"fmt"
	"math"
	"sort"
)

// OpenPoint is one model at one offered rate.
type OpenPoint struct {
	Rate       float64
	Throughput resultfmt.Stat
	P99        resultfmt.Stat // ms
}

// OpenCurve is a model's latency-vs-load curve and its knee.
type OpenCurve struct {
	Model  string
	Points []OpenPoint
	// Knee is the index of the first saturated point, -1 if none.
	Knee int
	// Why says which rule found the knee.
	Why string
}

// openCurves builds the curves of the "open-load" experiment, sorted by
// rate, and finds each knee.
func openCurves(d *Data) []OpenCurve {
	cells := d.Tag(resultfmt.TagOpenLoad)
	var out []OpenCurve
	for _, m := range Models(cells) {
		cur := OpenCurve{Model: m, Knee: -1}
		for _, c := range ByModel(cells)[m] {
			r := loadRate(c.Spec.Load)
			if r <= 0 || len(c.Trials) == 0 {
				continue
			}
			cur.Points = append(cur.Points, OpenPoint{Rate: r, Throughput: c.Summary.Throughput, P99: c.Summary.P99})
		}
		sort.Slice(cur.Points, func(a, b int) bool { return cur.Points[a].Rate < cur.Points[b].Rate })
		cur.Knee, cur.Why = knee(cur.Points)
		if len(cur.Points) > 0 {
			out = append(out, cur)
		}
	}
	return out
}

// knee returns the first saturated point of pts (sorted by rate) and why,
// or -1.
func knee(pts []OpenPoint) (int, string) {
	if len(pts) == 0 {
		return -1, ""
	}
	base := math.Max(pts[0].P99.Median, KneeMinP99)
	for i, p := range pts {
		if p.Throughput.Median < KneeThroughput*p.Rate {
			return i, fmt.Sprintf("completed %.0f tasks/s, below %.0f%% of the offered %.0f/s", p.Throughput.Median, KneeThroughput*100, p.Rate)
		}
		if i > 0 && base > 0 && p.P99.Median > KneeP99Factor*base {
			return i, fmt.Sprintf("p99 %.1f ms > %.0fx max(low-load p99 %.2f ms, %.0f ms)", p.P99.Median, KneeP99Factor, pts[0].P99.Median, KneeMinP99)
		}
	}
	return -1, ""
}

// saturationFindings reports where each model saturates under open load.
func saturationFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	for _, cur := range openCurves(d) {
		if cur.Knee < 0 {
			last := cur.Points[len(cur.Points)-1]
			add("saturation", false, "%s did not saturate up to %s tasks/s offered (p99 %s ms, %s tasks/s achieved).", cur.Model, num(last.Rate), num(last.P99.Median), num(last.Throughput.Median))
			continue
		}
		k := cur.Points[cur.Knee]
		prev := ""
		if cur.Knee > 0 {
			prev = fmt.Sprintf("; it kept up at %s tasks/s", num(cur.Points[cur.Knee-1].Rate))
		}
		add("saturation", false, "%s saturates at %s tasks/s offered: %s%s.", cur.Model, num(k.Rate), cur.Why, prev)
	}
	return out
}
