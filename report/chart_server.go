package report

import (
	"fmt"
	"math"

	"concbench/resultfmt"
)

// serverRateChart draws p99 against offered rate, one figure (panel) per
// handler workload, each model's knee ringed.
func serverRateChart(d *Data) ([]*figure, string, error) {
	specs := serverRateSpecs(d)
	if len(specs) == 0 {
		return nil, "", missing("no usable server-role trials tagged \"server-rate\" in the results")
	}
	var figs []*figure
	for _, s := range specs {
		p, err := linePlot(d, s)
		if err != nil {
			return nil, "", err
		}
		figs = append(figs, single(s.ID, p))
	}
	caption := fmt.Sprintf("Each model serving HTTP/1.1 on loopback, one request per task, driven open loop by the load generator process at each offered rate: p99 latency from each request's intended send time (no coordinated omission), median of the usable repeats with min..max bars. Rings mark each model's knee: the highest rate at which it, and every lower rate, answered at least %.0f%% of the offer with a p99 under the dashed bound. Rates above the first one a model could not keep up with are not run (they only queue). Trials whose generator fell behind its schedule or saturated are invalid: left out of the medians and counted in the table; a rate with no usable trial is not drawn and ends the climb to the knee.",
		100*resultfmt.ServerKeepUp)
	return figs, caption, nil
}

// serverRateSpecs describe the knee charts: per handler workload, each
// series' median p99 per offered rate (log-log), its knee ringed, the p99
// bound as a reference line.
func serverRateSpecs(d *Data) []*chartSpec {
	curves := rateCurves(d)
	var out []*chartSpec
	for _, w := range rateWorkloads(curves) {
		wc := &chartSpec{ID: "server-rate-" + fileName(w), Title: fmt.Sprintf("Server p99 vs offered rate: %s handler", w),
			X: specAxis{Label: "offered rate (requests/s)", Log: true}, Y: specAxis{Label: "p99 latency (ms)", Log: true}, LegendLeft: true}
		yLo, yHi, xLo, xHi, bound := math.Inf(1), 0.0, math.Inf(1), 0.0, 0.0
		for _, cur := range curves {
			if cur.Workload != w {
				continue
			}
			bound = cur.Bound
			var pts []specPoint
			for i, c := range cur.Points {
				if len(c.Valid) == 0 {
					continue
				}
				rate := resultfmt.OpenRate(c.Spec.Load)
				st := c.stat(func(t resultfmt.ServerTrial) float64 { return t.P99 })
				got := c.stat(func(t resultfmt.ServerTrial) float64 { return t.Achieved })
				p := statPoint(rate, st, len(c.Valid), fmt.Sprintf("answered %s/s; %s usable %s", num(got.Median), c.validText(), c.whyText()))
				if i == cur.Knee {
					p.Mark = "ring"
				}
				yLo, yHi, xLo, xHi = math.Min(yLo, st.Min), math.Max(yHi, st.Max), math.Min(xLo, rate), math.Max(xHi, rate)
				pts = append(pts, p)
			}
			if len(pts) > 0 {
				wc.Series = append(wc.Series, d.modelSeries(cur.Series, fmt.Sprintf("%s: knee %s", cur.Series, cur.kneeText()), "line", pts))
			}
		}
		if len(wc.Series) == 0 || !(yLo > 0) {
			continue
		}
		yLo, yHi = math.Min(yLo, bound), math.Max(yHi, bound)
		wc.Refs = append(wc.Refs, refSeries(fmt.Sprintf("p99 bound %s ms", fmtNum(bound)), [2]float64{xLo / 1.3, bound}, [2]float64{xHi * 1.3, bound}))
		wc.X.Range, wc.Y.Range = []float64{xLo / 1.3, xHi * 1.3}, []float64{yLo / 1.5, yHi * 30}
		out = append(out, wc.finish())
	}
	return out
}

// serverC10kChart draws memory per idle connection and set-up rate
// against the connections held.
func serverC10kChart(d *Data) ([]*figure, string, error) {
	specs := serverC10kSpecs(d)
	if len(specs) == 0 {
		return nil, "", missing("no usable server-role trials tagged \"server-c10k\" in the results")
	}
	var figs []*figure
	for _, s := range specs {
		p, err := linePlot(d, s)
		if err != nil {
			return nil, "", err
		}
		figs = append(figs, single(s.ID, p))
	}
	caption := "C10k: the load generator opens N keep-alive connections, 64 at a time, each sending one request the server answers, then holds them all idle. Left: memory per connection, the server process tree's RSS with all N held minus before the first connection, divided by N. Right: connections set up per second (dial and one answered request each). Median of the usable repeats with min..max bars; a size the machine cannot hold (file descriptors, threads) is skipped with a note, not drawn."
	return figs, caption, nil
}

// serverC10kSpecs describe the C10k charts: per series, KiB per idle
// connection and connections set up per second against N (log-log).
func serverC10kSpecs(d *Data) []*chartSpec {
	curves := c10kCurves(d)
	var out []*chartSpec
	for _, m := range []struct {
		id, title, y string
		f            func(resultfmt.ServerTrial) float64
	}{
		{"server-c10k-memory", "C10k: memory per idle connection", "server RSS per connection (KiB)", perConn},
		{"server-c10k-setup", "C10k: connection set-up rate", "connections set up per second", setupRate},
	} {
		wc := &chartSpec{ID: m.id, Title: m.title, X: specAxis{Label: "idle keep-alive connections held", Log: true},
			Y: specAxis{Label: m.y, Log: true}, LegendLeft: m.id == "server-c10k-setup"}
		yLo, yHi, xLo, xHi := math.Inf(1), 0.0, math.Inf(1), 0.0
		for _, s := range curves {
			var pts []specPoint
			for _, c := range s.Points {
				st := c.stat(m.f)
				if len(c.Valid) == 0 || !(st.Min > 0) {
					continue
				}
				n := float64(c.Spec.IdleConns())
				pts = append(pts, statPoint(n, st, len(c.Valid), c.validText()+" usable "+c.whyText()))
				yLo, yHi, xLo, xHi = math.Min(yLo, st.Min), math.Max(yHi, st.Max), math.Min(xLo, n), math.Max(xHi, n)
			}
			if len(pts) > 0 {
				wc.Series = append(wc.Series, d.modelSeries(s.Series, "", "line", pts))
			}
		}
		if len(wc.Series) == 0 {
			continue
		}
		wc.X.Range, wc.Y.Range = []float64{xLo / 1.5, xHi * 1.5}, []float64{yLo / 2, yHi * 8}
		out = append(out, wc.finish())
	}
	return out
}

// serverBlockingChart draws, per model, the p99 of the requests that did
// not block beside the p99 of all, under the blocking handler.
func serverBlockingChart(d *Data) ([]*figure, string, error) {
	specs := serverBlockingSpecs(d)
	if len(specs) == 0 {
		return nil, "", missing("no usable server-role trials tagged \"server-blocking\" in the results")
	}
	p, err := barPlot(d, specs[0])
	if err != nil {
		return nil, "", err
	}
	v := blockVictims(d)[0]
	caption := fmt.Sprintf("The blocking handler: under %s, one request in %d blocks its handler for %s ms (a blocking call where a wait belongs); the others wait %s ms. Bars: p99 latency from intended send of the requests that did not block, and of all, per model, median of the usable repeats with min..max whiskers. A server that runs handlers on one thread (an event loop, an iterative server) makes every request behind the blocked one wait. Invalid trials (the generator fell behind) are left out; a model with no usable trial is not drawn (the table names it).",
		v.Cell.Spec.Load, v.Cell.Spec.Params.Fill().BlockEvery, fmtNum(v.Block), fmtNum(v.Own))
	return []*figure{single("server-blocking", p)}, caption, nil
}

// serverBlockingSpecs describe the blocking-handler chart: two categories
// (the others' p99, all requests' p99), a bar per model, the block and the
// requests' own wait as reference lines.
func serverBlockingSpecs(d *Data) []*chartSpec {
	vs := blockVictims(d)
	wc := &chartSpec{ID: "server-blocking", Title: "Server with a blocking handler: p99 of the other requests", X: specAxis{Label: "requests"},
		Y: specAxis{Label: "p99 latency from intended send (ms)", Log: true}, Cats: []string{"the others (not blocking)", "all requests"}, LegendLeft: true}
	yLo, yHi := math.Inf(1), 0.0
	var block, own float64
	var drawn []blockVictim
	for _, v := range vs {
		c := v.Cell
		if len(c.Valid) > 0 && c.stat(func(t resultfmt.ServerTrial) float64 { return t.P99Others }).Min > 0 {
			drawn = append(drawn, v)
		}
	}
	for i, v := range drawn {
		c := v.Cell
		block, own = v.Block, v.Own
		others := c.stat(func(t resultfmt.ServerTrial) float64 { return t.P99Others })
		all := c.stat(func(t resultfmt.ServerTrial) float64 { return t.P99 })
		off, _ := groupOffset(i, len(drawn))
		note := c.validText() + " usable " + c.whyText()
		wc.Series = append(wc.Series, d.modelSeries(c.Series, "", "points", []specPoint{statPoint(off, others, len(c.Valid), note), statPoint(1+off, all, len(c.Valid), note)}))
		yLo, yHi = math.Min(yLo, others.Min), math.Max(yHi, all.Max)
	}
	if len(wc.Series) == 0 {
		return nil
	}
	yLo, yHi = math.Min(yLo, own), math.Max(yHi, block)
	wc.Refs = append(wc.Refs, refSeries(fmt.Sprintf("the block: %s ms", fmtNum(block)), [2]float64{-0.5, block}, [2]float64{1.5, block}),
		refSeries(fmt.Sprintf("own wait: %s ms", fmtNum(own)), [2]float64{-0.5, own}, [2]float64{1.5, own}))
	wc.Y.Range = []float64{yLo / 2, yHi * 20}
	return []*chartSpec{wc.finish()}
}
