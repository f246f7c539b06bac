package report

import "fmt"

// webRuntimes is the runtimes section for report.html: the same four
// figures as chart_runtimes.go, from the same analysis (rtOverhead,
// rtSpeedups, rtStall, rtLittle), one point per model in each group.
func webRuntimes(d *Data) []*chartSpec {
	var out []*chartSpec
	level := func(wc *chartSpec, label string, y float64) {
		wc.Refs = append(wc.Refs, refSeries(label, [2]float64{-0.5, y}, [2]float64{float64(len(wc.Cats)) - 0.5, y}))
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
	for mi, m := range ms {
		off, _ := groupOffset(mi, len(ms))
		var pts []specPoint
		for gi, g := range groups {
			if v, ok := barOf(vals, g, m); ok {
				pts = append(pts, statPoint(float64(gi)+off, v, 0, ""))
			}
		}
		wc.Series = append(wc.Series, d.modelSeries(m, "", "points", pts))
	}
	return wc
}
