package report

import (
	"fmt"
	"math"
	"strings"

	"concbench/resultfmt"
)

// MemFit is a model's memory cost per in-flight task: the slope of a least
// squares line of the RSS at the plateau (the highest RSS sampled while the
// most tasks were in flight) against the tasks in flight then, over its
// trials. Trials with no sample on their plateau are left out.
type MemFit struct {
	Model string
	// PerTask is the slope, bytes per in-flight task; Intercept the RSS at
	// zero tasks, bytes.
	PerTask, Intercept float64
	// Points is the number of trials fitted; MinInflight..MaxInflight
	// their range.
	Points                   int
	MinInflight, MaxInflight float64
}

// fitLine fits y = a + b x by least squares.
func fitLine(xs, ys []float64) (a, b float64, ok bool) {
	n := float64(len(xs))
	if len(xs) < 2 {
		return 0, 0, false
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	den := n*sxx - sx*sx
	if den == 0 {
		return 0, 0, false
	}
	b = (n*sxy - sx*sy) / den
	a = (sy - b*sx) / n
	return a, b, true
}

// memFits fits every model of the "memory" experiment with at least two
// distinct in-flight counts.
func memFits(d *Data) []MemFit {
	cells := d.Tag(resultfmt.TagMemory)
	var out []MemFit
	for _, m := range SeriesOf(cells) {
		var xs, ys []float64
		for _, c := range ByModel(cells)[m] {
			for _, r := range c.Trials {
				if r.PlateauInflight > 0 && r.PlateauSamples > 0 {
					xs = append(xs, float64(r.PlateauInflight))
					ys = append(ys, float64(r.PlateauRSS))
				}
			}
		}
		a, b, ok := fitLine(xs, ys)
		if !ok {
			continue
		}
		lo, hi := math.Inf(1), 0.0
		for _, x := range xs {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
		out = append(out, MemFit{Model: m, PerTask: b, Intercept: a, Points: len(xs), MinInflight: lo, MaxInflight: hi})
	}
	return out
}

// memoryFindings reports memory per in-flight task from the regression slopes.
func memoryFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	if fits := memFits(d); len(fits) > 0 {
		var parts []string
		per := map[string]float64{}
		for _, f := range fits {
			per[f.Model] = f.PerTask
			parts = append(parts, fmt.Sprintf("%s %s (%d trials, %s–%s in flight)", f.Model, fmtBytes(f.PerTask), f.Points, fmtNum(f.MinInflight), fmtNum(f.MaxInflight)))
		}
		add("memory", false, "Memory per in-flight task (slope of the RSS while all tasks are in flight vs the tasks in flight): %s.", strings.Join(parts, "; "))
		if el, g := per[d.modelWhere(goLoop)], per[d.modelWhere(goPerTask)]; el > 0 && g > 0 {
			if el < g {
				add("memory", false, "An event-loop task (a state machine and a timer) costs %.1fx less memory than a goroutine with its stack (%s vs %s).", g/el, fmtBytes(el), fmtBytes(g))
			} else {
				add("memory", true, "An event-loop task cost as much memory as a goroutine (%s vs %s).", fmtBytes(el), fmtBytes(g))
			}
		}
	}
	return out
}
