package report

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

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
	var notes []string
	if ov := rtOverhead(d); len(ov) > 0 {
		p := rtBarPlot(d, "Overhead per no-op task (batch)", "µs of wall time per task (log scale)", ov, true)
		figs = append(figs, single("runtimes-overhead", p))
		notes = append(notes, "overhead: makespan / tasks of a no-op batch, µs (log scale)")
	}
	if sp := rtSpeedups(d); len(sp) > 0 {
		p := rtBarPlot(d, "CPU-bound speedup over each runtime's one-thread model", "speedup (x)", sp, false)
		if err := rtLevel(p, fmt.Sprintf("ideal: %d cores", d.cores()), float64(d.cores())); err != nil {
			return nil, "", err
		}
		if err := rtLevel(p, "1x: no parallelism", 1); err != nil {
			return nil, "", err
		}
		figs = append(figs, single("runtimes-speedup", p))
		notes = append(notes, "speedup: makespan of the runtime's one-thread model ("+strings.Join(d.baselines(), ", ")+") / the model's, per kernel; sha256 is 1 KiB rounds, spin pure interpreted integer work, sized per runtime")
	}
	if st, sleep, block := rtStall(d); len(st) > 0 {
		p := rtBarPlot(d, fmt.Sprintf("The blocking mistake: p99 latency (sleep %v, block %v)", sleep, block), "p99 latency (ms, log scale)", st, true)
		if err := rtLevel(p, fmt.Sprintf("the sleep: %v", sleep), float64(sleep.Milliseconds())); err != nil {
			return nil, "", err
		}
		figs = append(figs, single("runtimes-blocking", p))
		notes = append(notes, "blocking: p99 latency of a batch where 1 task in K blocks; on an event loop the block stalls every task behind it")
	}
	if lt, bound := rtLittle(d); len(lt) > 0 {
		for i := range lt {
			lt[i].Value = scaleStat(lt[i].Value, 100)
		}
		p := rtBarPlot(d, fmt.Sprintf("io-net under closed clients: share of Little's bound (%s req/s)", fmtNum(bound)), "throughput (% of C / delay)", lt, false)
		if err := rtLevel(p, "Little's bound", 100); err != nil {
			return nil, "", err
		}
		figs = append(figs, single("runtimes-ionet", p))
		notes = append(notes, "io-net: throughput / (clients / server delay), %")
	}
	caption := fmt.Sprintf("The same tasks in Go, Python and Node.js, median of %s with min..max bars: %s. Memory per in-flight task of the Python and Node.js models is in the memory chart.",
		repeatsText(d.Tag(resultfmt.TagRuntimes)), strings.Join(notes, "; "))
	return figs, caption, nil
}

// rtBarPlot draws one bar per model in each group (groups along x).
func rtBarPlot(d *Data, title, ylabel string, vals []RTBar, logY bool) *plot.Plot {
	groups, ms := rtGroups(d, vals)
	xlabel := "model"
	if len(groups) > 1 || groups[0] != "" {
		xlabel = "kernel"
	}
	p := newPlot(title, xlabel, ylabel)
	if logY {
		logAxis(&p.Y)
	}
	b := &bars{}
	lo, hi := math.Inf(1), 0.0
	for gi, g := range groups {
		for mi, m := range ms {
			v, ok := barOf(vals, g, m)
			if !ok || (logY && v.Min <= 0) {
				continue
			}
			off, width := groupOffset(mi, len(ms))
			b.width = width
			b.items = append(b.items, bar{X: float64(gi) + off, Y: v.Median, Lo: v.Min, Hi: v.Max, Color: d.color(m)})
			lo, hi = math.Min(lo, v.Min), math.Max(hi, v.Max)
		}
	}
	p.Add(b)
	for _, m := range ms {
		p.Legend.Add(m, swatch{d.color(m)})
	}
	labels := make([]string, len(groups))
	copy(labels, groups)
	if xlabel == "model" {
		labels[0] = ""
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.5, float64(len(groups))-0.5
	if logY {
		p.Y.Min, p.Y.Max = lo/3, hi*30 // room for the legend above the bars
	} else {
		p.Y.Min, p.Y.Max = 0, hi*2 // room for the legend above the bars
	}
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Points(4)
	return p
}

// rtLevel draws a labelled horizontal reference line at y across the plot.
func rtLevel(p *plot.Plot, label string, y float64) error {
	p.Y.Max = math.Max(p.Y.Max, y*1.6)
	return refLineDash(p, label, plotter.XYs{{X: p.X.Min, Y: y}, {X: p.X.Max, Y: y}}, 6, 4)
}

// scaleStat multiplies a Stat by f.
func scaleStat(s resultfmt.Stat, f float64) resultfmt.Stat {
	return resultfmt.Stat{Median: s.Median * f, Min: s.Min * f, Max: s.Max * f}
}
