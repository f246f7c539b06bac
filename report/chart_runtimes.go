package report

import (
	"fmt"
	"math"
	"strings"

	"concbench/resultfmt"
)

// runtimesCharts draws the runtimes section: Go's models beside Python's
// and Node.js's on per-task overhead, CPU-bound speedup, the blocking stall
// and io-net against Little's bound (memory per in-flight task is in the
// memory chart).
func runtimesCharts(d *Data) ([]*figure, string, error) {
	if len(d.Tag(resultfmt.TagRuntimes)) == 0 {
		return nil, "", missing("no trials tagged \"runtimes\" in the results (Python or Node.js missing, or a suite without them)")
	}
	var figs []*figure
	for _, s := range runtimesSpecs(d) {
		p, err := barPlot(d, s)
		if err != nil {
			return nil, "", err
		}
		figs = append(figs, single(s.ID, p))
	}
	var notes []string
	if len(rtOverhead(d)) > 0 {
		notes = append(notes, "overhead: makespan / tasks of a no-op batch, µs (log scale)")
	}
	if len(rtSpeedups(d)) > 0 {
		notes = append(notes, "speedup: makespan of the runtime's one-thread model ("+strings.Join(d.baselines(), ", ")+") / the model's, per kernel; sha256 is 1 KiB rounds, spin pure interpreted integer work, sized per runtime")
	}
	if st, _, _ := rtStall(d); len(st) > 0 {
		notes = append(notes, "blocking: p99 latency of a batch where 1 task in K blocks; on an event loop the block stalls every task behind it")
	}
	if lt, _ := rtLittle(d); len(lt) > 0 {
		notes = append(notes, "io-net: throughput / (clients / server delay), %")
	}
	caption := fmt.Sprintf("The same tasks in Go, Python and Node.js, median of %s with min..max bars: %s. Memory per in-flight task of the Python and Node.js models is in the memory chart.",
		repeatsText(d.Tag(resultfmt.TagRuntimes)), strings.Join(notes, "; "))
	return figs, caption, nil
}

// scaleStat multiplies a Stat by f.
func scaleStat(s resultfmt.Stat, f float64) resultfmt.Stat {
	return resultfmt.Stat{Median: s.Median * f, Min: s.Min * f, Max: s.Max * f}
}

// runtimesSpecs describe the runtimes section's four charts from the
// analysis (rtOverhead, rtSpeedups, rtStall, rtLittle): one bar per model
// in each group (a kernel, or all models), reference levels, room above
// for the legend.
func runtimesSpecs(d *Data) []*chartSpec {
	var out []*chartSpec
	level := func(wc *chartSpec, label string, y float64) {
		wc.Refs = append(wc.Refs, refSeries(label, [2]float64{-0.5, y}, [2]float64{float64(len(wc.Cats)) - 0.5, y}))
		wc.Y.Range[1] = math.Max(wc.Y.Range[1], y*1.6)
	}
	if ov := rtOverhead(d); len(ov) > 0 {
		out = append(out, d.rtChart("runtimes-overhead", "Overhead per no-op task (batch)", "µs of wall time per task", ov, true))
	}
	if sp := rtSpeedups(d); len(sp) > 0 {
		wc := d.rtChart("runtimes-speedup", "CPU-bound speedup over each runtime's one-thread model", "speedup (x)", sp, false)
		level(wc, fmt.Sprintf("ideal: %d cores", d.cores()), float64(d.cores()))
		level(wc, "1x: no parallelism", 1)
		out = append(out, wc)
	}
	if st, sleep, block := rtStall(d); len(st) > 0 {
		wc := d.rtChart("runtimes-blocking", fmt.Sprintf("The blocking mistake: p99 latency (sleep %v, block %v)", sleep, block), "p99 latency (ms)", st, true)
		level(wc, fmt.Sprintf("the sleep: %v", sleep), float64(sleep.Milliseconds()))
		out = append(out, wc)
	}
	if lt, bound := rtLittle(d); len(lt) > 0 {
		for i := range lt {
			lt[i].Value = scaleStat(lt[i].Value, 100)
		}
		wc := d.rtChart("runtimes-ionet", fmt.Sprintf("io-net under closed clients: share of Little's bound (%s req/s)", fmtNum(bound)), "throughput (% of C / delay)", lt, false)
		level(wc, "Little's bound", 100)
		out = append(out, wc)
	}
	return out
}

// rtChart is a category chart of RTBars: groups (kernels, or one unnamed
// group) along x, one series per model in display order.
func (d *Data) rtChart(id, title, ylabel string, vals []RTBar, logY bool) *chartSpec {
	groups, ms := rtGroups(d, vals)
	wc := &chartSpec{ID: id, Title: title, X: specAxis{Label: "kernel"}, Y: specAxis{Label: ylabel, Log: logY}, Cats: groups}
	if len(groups) == 1 && groups[0] == "" {
		wc.X.Label, wc.Cats = "model", []string{"all models"}
	}
	lo, hi := math.Inf(1), 0.0
	for mi, m := range ms {
		off, _ := groupOffset(mi, len(ms))
		var pts []specPoint
		for gi, g := range groups {
			if v, ok := barOf(vals, g, m); ok && !(logY && v.Min <= 0) {
				pts = append(pts, statPoint(float64(gi)+off, v, 0, ""))
				lo, hi = math.Min(lo, v.Min), math.Max(hi, v.Max)
			}
		}
		wc.Series = append(wc.Series, d.modelSeries(m, "", "points", pts))
	}
	wc.Y.Range = []float64{0, hi * 2} // room for the legend above the bars
	if logY {
		wc.Y.Range = []float64{lo / 3, hi * 30}
	}
	return wc
}
