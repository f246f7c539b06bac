package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"gonum.org/v1/plot/plotter"

	"concbench/resultfmt"
)

// waitsBound is the least makespan of n tasks that each wait w on a model
// running at most c at once: ceil(n/c) waits, in seconds.
func waitsBound(n, c int, w time.Duration) float64 {
	if c <= 0 || c > n {
		c = n
	}
	return float64((n+c-1)/c) * w.Seconds()
}

// boundStairs is the staircase of waitsBound over n in [lo, hi] for a
// concurrency c: a step up of one wait after every c tasks.
func boundStairs(lo, hi, c int, w time.Duration) plotter.XYs {
	var xys plotter.XYs
	for k := (lo + c - 1) / c; k <= (hi+c-1)/c && len(xys) < 400; k++ {
		y := float64(k) * w.Seconds()
		xys = append(xys, plotter.XY{X: float64(max(lo, (k-1)*c+1)), Y: y}, plotter.XY{X: float64(min(hi, k*c)), Y: y})
	}
	return xys
}

// ioFindings reports I/O scaling at the largest task count against one wait and N waits.
func ioFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	io := d.Tag(resultfmt.TagIOScaling)
	for _, m := range SeriesOf(io) {
		cs := ByModel(io)[m]
		c := cs[len(cs)-1]
		lat := c.Spec.Params.Sleep.Seconds()
		mk := c.Summary.Makespan.Median
		if mk <= 0 || lat <= 0 {
			continue
		}
		seq := float64(c.Spec.Tasks) * lat
		text := fmt.Sprintf("%s finished %d tasks that each wait %v in %s s: %.1fx the ideal single wait, %.0fx faster than one after another (%s s).",
			m, c.Spec.Tasks, c.Spec.Params.Sleep, num(mk), mk/lat, seq/mk, num(seq))
		if c.Conc > 1 && c.Conc < c.Spec.Tasks {
			b := waitsBound(c.Spec.Tasks, c.Conc, c.Spec.Params.Sleep)
			text = fmt.Sprintf("%s (concurrency %d) finished %d tasks that each wait %v in %s s: %.2fx its ceil(N/c) x wait bound of %s s (%d waits).",
				m, c.Conc, c.Spec.Tasks, c.Spec.Params.Sleep, num(mk), mk/b, num(b), int(math.Round(b/lat)))
		}
		t := d.traits(c.Spec.Model)
		if isBaseline(t) {
			add("io", false, "%s took %s s for %d tasks that each wait %v: %.2fx the N x wait bound of %s s, one wait after another.", m, num(mk), c.Spec.Tasks, c.Spec.Params.Sleep, mk/seq, num(seq))
			continue
		}
		if (goLoop(t) || goPerTask(t)) && c.Spec.Tasks >= 100 && seq/mk < 10 {
			add("io", true, "%s (it should overlap the waits).", strings.TrimSuffix(text, "."))
		} else {
			add("io", false, "%s", text)
		}
	}
	return out
}

// ioLine is one series of the io-scaling chart: its legend label ("pool
// (32)": a fixed concurrency in brackets) and, for a model of fixed
// concurrency c, its ceil(N/c) x wait bound. Both drawings use it.
type ioLine struct {
	Series, Label string
	Bound         *idealLine
}

// ioLines are the io-scaling chart's series in display order.
func ioLines(d *Data, cells []*Cell) []ioLine {
	var out []ioLine
	for _, m := range SeriesOf(cells) {
		cs := ByModel(cells)[m]
		l := ioLine{Series: m, Label: m}
		if isBaseline(d.traits(baseModel(m))) {
			out = append(out, l)
			continue
		}
		c, sleep := cs[0].Conc, cs[0].Spec.Params.Sleep
		if c > 0 {
			l.Label = fmt.Sprintf("%s (%d)", m, c)
		}
		if c > 1 {
			b := &idealLine{Label: fmt.Sprintf("%s bound: ceil(N/%d) x %v", m, c, sleep)}
			for _, q := range boundStairs(cs[0].Spec.Tasks, cs[len(cs)-1].Spec.Tasks, c, sleep) {
				b.Pts = append(b.Pts, [2]float64{q.X, q.Y})
			}
			l.Bound = b
		}
		out = append(out, l)
	}
	return out
}
