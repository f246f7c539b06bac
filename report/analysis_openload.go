package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"concbench/resultfmt"
)

// OpenPoint is one model at one offered rate.
type OpenPoint struct {
	Rate       float64
	Throughput resultfmt.Stat
	P99        resultfmt.Stat // ms
	// Each repeat's throughput and p99 (ms), for the knee rule.
	Tputs, P99s []float64
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
	for _, m := range SeriesOf(cells) {
		cur := OpenCurve{Model: m, Knee: -1}
		for _, c := range ByModel(cells)[m] {
			r := resultfmt.OpenRate(c.Spec.Load)
			if r <= 0 || len(c.Trials) == 0 {
				continue
			}
			pt := OpenPoint{Rate: r, Throughput: c.Summary.Throughput, P99: c.Summary.P99}
			for _, t := range c.Trials {
				pt.Tputs, pt.P99s = append(pt.Tputs, t.Throughput), append(pt.P99s, t.Latency.P99)
			}
			cur.Points = append(cur.Points, pt)
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
// or -1. A point is saturated when every one of its repeats breaks a knee
// rule (completes under KneeThroughput of the offered rate, or has a p99
// above KneeP99Factor x the low-load p99), not when their median does: a
// point where only some repeats break a rule is borderline, named in why
// of the knee (or of no knee) but not the knee itself.
func knee(pts []OpenPoint) (int, string) {
	if len(pts) == 0 {
		return -1, ""
	}
	base := math.Max(pts[0].P99.Median, KneeMinP99)
	var borderline []string
	for i, p := range pts {
		var slow, late int
		for j := range p.Tputs {
			if p.Tputs[j] < KneeThroughput*p.Rate {
				slow++
			} else if i > 0 && base > 0 && p.P99s[j] > KneeP99Factor*base {
				late++
			}
		}
		n := len(p.Tputs)
		switch {
		case n > 0 && slow == n:
			return i, fmt.Sprintf("every repeat completed under %.0f%% of the offered %.0f/s (median %.0f tasks/s)%s", KneeThroughput*100, p.Rate, p.Throughput.Median, borderText(borderline))
		case n > 0 && slow+late == n:
			return i, fmt.Sprintf("every repeat fell behind or had p99 > %.0fx max(low-load p99 %.2f ms, %.0f ms) (median p99 %.1f ms)%s", KneeP99Factor, pts[0].P99.Median, KneeMinP99, p.P99.Median, borderText(borderline))
		case slow+late > 0:
			borderline = append(borderline, fmt.Sprintf("%d of %d repeats saturated at %.0f/s", slow+late, n, p.Rate))
		}
	}
	return -1, borderText(borderline)
}

func borderText(b []string) string {
	if len(b) == 0 {
		return ""
	}
	return "; borderline: " + strings.Join(b, ", ")
}

// saturationFindings reports where each model saturates under open load.
func saturationFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	for _, cur := range openCurves(d) {
		if cur.Knee < 0 {
			last := cur.Points[len(cur.Points)-1]
			add("saturation", false, "%s did not saturate up to %s tasks/s offered (p99 %s ms, %s tasks/s achieved)%s.", cur.Model, num(last.Rate), num(last.P99.Median), num(last.Throughput.Median), cur.Why)
			continue
		}
		k := cur.Points[cur.Knee]
		// It kept up at the highest rate below the knee where no repeat
		// saturated: a borderline rate (some repeats saturated) is not
		// one it kept up at.
		prev := ""
		for i := cur.Knee - 1; i >= 0; i-- {
			if r := cur.Points[i].Rate; !strings.Contains(cur.Why, fmt.Sprintf("saturated at %.0f/s", r)) {
				prev = fmt.Sprintf("; it kept up at %s tasks/s", num(r))
				break
			}
		}
		add("saturation", false, "%s saturates at %s tasks/s offered: %s%s.", cur.Model, num(k.Rate), cur.Why, prev)
	}
	return out
}

// Knee rules: a model saturates at the first offered rate where every
// repeat's p99 exceeds KneeP99Factor x its p99 at the lowest rate, or
// completes less than KneeThroughput of the offered rate.
const (
	KneeP99Factor  = 3.0
	KneeThroughput = 0.90
	// KneeMinP99 is the floor of the low-load p99 in the p99 rule, so
	// that jitter of a sub-millisecond p99 is not taken for saturation.
	KneeMinP99 = 5.0 // ms
)
