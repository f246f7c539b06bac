package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"concbench/resultfmt"
)

// The server role's analysis: the server trials of results.json grouped
// into cells (one configuration of one model, or model @ machine), the
// p99-vs-offered-rate curves with each model's knee, the C10k figures and
// the blocking handler's victims. Only usable trials enter a median; a
// trial the harness marked invalid (its generator fell behind or
// saturated, the ledgers disagreed) is counted and named beside it.

// serverCell is one server-role configuration of one series.
type serverCell struct {
	Series string
	Spec   resultfmt.ServerSpec
	rank   int
	// Valid are the usable trials; Invalid those marked invalid; Failed
	// counts the trials that failed.
	Valid, Invalid []resultfmt.ServerTrial
	Failed         int
}

// stat is the median and min..max of f over the usable trials.
func (c *serverCell) stat(f func(resultfmt.ServerTrial) float64) resultfmt.Stat {
	xs := make([]float64, len(c.Valid))
	for i, t := range c.Valid {
		xs[i] = f(t)
	}
	return resultfmt.StatOf(xs)
}

// runs is the cell's trial count: usable, invalid and failed.
func (c *serverCell) runs() int { return len(c.Valid) + len(c.Invalid) + c.Failed }

// validText is "k/n", the usable trials of all.
func (c *serverCell) validText() string { return fmt.Sprintf("%d/%d", len(c.Valid), c.runs()) }

// whyText says why the trials that are not usable are not: "1 invalid:
// generator fell behind its schedule; 1 failed", "" when all are.
func (c *serverCell) whyText() string {
	var parts []string
	if len(c.Invalid) > 0 {
		why, _, _ := strings.Cut(c.Invalid[0].Invalid, " (")
		parts = append(parts, fmt.Sprintf("%d invalid: %s", len(c.Invalid), why))
	}
	if c.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", c.Failed))
	}
	return strings.Join(parts, "; ")
}

// serverCells groups the server trials of tag into cells, ordered by
// workload, model display order (then machine), and load (rate or
// connections ascending).
func serverCells(d *Data, tag string) []*serverCell {
	rank := modelRanks(d.File)
	byKey := map[string]*serverCell{}
	var out []*serverCell
	for i, in := range d.Inputs {
		label := in.Label
		if len(d.Inputs) == 1 {
			label = ""
		}
		for _, t := range in.File.Servers {
			if t.Spec.Tag != tag {
				continue
			}
			series := t.Spec.Model
			if label != "" {
				series += seriesSep + label
			}
			k := series + "|" + t.Spec.Workload + "|" + t.Spec.Load
			c := byKey[k]
			if c == nil {
				r, ok := rank[t.Spec.Model]
				if !ok {
					r = len(rank) + len(out)
				}
				c = &serverCell{Series: series, Spec: t.Spec, rank: r*len(d.Inputs) + i}
				byKey[k] = c
				out = append(out, c)
			}
			switch {
			case t.Error != "":
				c.Failed++
			case t.Invalid != "":
				c.Invalid = append(c.Invalid, t)
			default:
				c.Valid = append(c.Valid, t)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *serverCell) int {
		return cmp.Or(resultfmt.WorkloadRank(a.Spec.Workload)-resultfmt.WorkloadRank(b.Spec.Workload),
			strings.Compare(a.Spec.Workload, b.Spec.Workload), a.rank-b.rank,
			cmp.Compare(a.Spec.IdleConns(), b.Spec.IdleConns()), cmp.Compare(resultfmt.OpenRate(a.Spec.Load), resultfmt.OpenRate(b.Spec.Load)))
	})
	return out
}

// serverCurve is one series' p99 against offered rate on one handler
// workload, with its knee.
type serverCurve struct {
	Series, Workload string
	// Bound is the p99 bound of the knee (ms).
	Bound  float64
	Points []*serverCell
	// Knee is the index of the highest rate that was kept up with (median
	// achieved >= ServerKeepUp of offered, median p99 under Bound), this
	// rate and every lower one; -1 when the lowest was not.
	Knee int
	// Why says what ended the climb: the first rate not kept up with, or
	// one with no usable trial.
	Why string
}

// rateCurves builds the server-rate curves, by workload then series.
func rateCurves(d *Data) []serverCurve {
	var out []serverCurve
	for _, c := range serverCells(d, resultfmt.TagServerRate) {
		if n := len(out); n == 0 || out[n-1].Series != c.Series || out[n-1].Workload != c.Spec.Workload {
			out = append(out, serverCurve{Series: c.Series, Workload: c.Spec.Workload, Bound: c.Spec.P99Bound, Knee: -1})
		}
		cur := &out[len(out)-1]
		cur.Points = append(cur.Points, c)
	}
	for i := range out {
		out[i].findKnee()
	}
	return out
}

func (cur *serverCurve) findKnee() {
	for i, c := range cur.Points {
		rate := resultfmt.OpenRate(c.Spec.Load)
		if len(c.Valid) == 0 {
			cur.Why = fmt.Sprintf("no usable trial at %s/s (%s)", fmtNum(rate), c.whyText())
			return
		}
		p99, got := c.stat(func(t resultfmt.ServerTrial) float64 { return t.P99 }).Median, c.stat(func(t resultfmt.ServerTrial) float64 { return t.Achieved }).Median
		switch {
		case got < resultfmt.ServerKeepUp*rate:
			cur.Why = fmt.Sprintf("at %s/s it answered %s/s (< %.0f%%)", fmtNum(rate), num(got), 100*resultfmt.ServerKeepUp)
			return
		case p99 >= cur.Bound:
			cur.Why = fmt.Sprintf("at %s/s its p99 was %s ms (bound %s ms)", fmtNum(rate), num(p99), fmtNum(cur.Bound))
			return
		}
		cur.Knee = i
	}
	cur.Why = "it kept up at every rate offered"
}

// kneeText is "400/s" or "below 50/s".
func (cur *serverCurve) kneeText() string {
	if cur.Knee < 0 {
		return "below " + fmtNum(resultfmt.OpenRate(cur.Points[0].Spec.Load)) + "/s"
	}
	k := fmtNum(resultfmt.OpenRate(cur.Points[cur.Knee].Spec.Load)) + "/s"
	if cur.Knee == len(cur.Points)-1 {
		k = "≥ " + k
	}
	return k
}

// rateWorkloads lists the handler workloads of the server-rate curves.
func rateWorkloads(curves []serverCurve) []string {
	var out []string
	for _, c := range curves {
		if !slices.Contains(out, c.Workload) {
			out = append(out, c.Workload)
		}
	}
	return out
}

// serverRateFindings names each handler's knees, highest first.
func serverRateFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	curves := rateCurves(d)
	for _, w := range rateWorkloads(curves) {
		var parts []string
		var bound float64
		for _, cur := range curves {
			if cur.Workload == w {
				parts = append(parts, fmt.Sprintf("%s %s (%s)", cur.Series, cur.kneeText(), cur.Why))
				bound = cur.Bound
			}
		}
		add("servers", false, "Serving %s, the knee (highest offered rate kept up with: p99 from intended send < %s ms and >= %.0f%% of the offer answered): %s.",
			w, fmtNum(bound), 100*resultfmt.ServerKeepUp, strings.Join(parts, "; "))
	}
	return out
}

// c10kPoint is one series at N idle connections.
type c10kSeries struct {
	Series string
	Points []*serverCell
}

// c10kCurves groups the server-c10k cells by series.
func c10kCurves(d *Data) []c10kSeries {
	var out []c10kSeries
	cells := serverCells(d, resultfmt.TagServerC10k)
	slices.SortStableFunc(cells, func(a, b *serverCell) int { return a.rank - b.rank })
	for _, c := range cells {
		if n := len(out); n == 0 || out[n-1].Series != c.Series {
			out = append(out, c10kSeries{Series: c.Series})
		}
		out[len(out)-1].Points = append(out[len(out)-1].Points, c)
	}
	for i := range out {
		slices.SortStableFunc(out[i].Points, func(a, b *serverCell) int { return a.Spec.IdleConns() - b.Spec.IdleConns() })
	}
	return out
}

func perConn(t resultfmt.ServerTrial) float64   { return t.BytesPerConn / 1024 }
func setupRate(t resultfmt.ServerTrial) float64 { return t.SetupRate }

// c10kFindings compares memory per idle connection at the largest N that
// most series held, as ratios to the least, with their set-up rates.
func c10kFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	type held struct {
		series      string
		kib, setups float64
	}
	byN := map[int][]held{}
	for _, s := range c10kCurves(d) {
		for _, c := range s.Points {
			if len(c.Valid) > 0 {
				n := c.Spec.IdleConns()
				byN[n] = append(byN[n], held{s.Series, c.stat(perConn).Median, c.stat(setupRate).Median})
			}
		}
	}
	n := -1
	for k, hs := range byN {
		if n < 0 || len(hs) > len(byN[n]) || (len(hs) == len(byN[n]) && k > n) {
			n = k
		}
	}
	if n < 0 {
		return nil
	}
	at := byN[n]
	slices.SortStableFunc(at, func(a, b held) int { return cmp.Compare(a.kib, b.kib) })
	lo := at[0]
	text := fmt.Sprintf("With %s idle keep-alive connections held, %s takes %s KiB per connection (set up at %s/s), the least", fmtNum(float64(n)), lo.series, num(lo.kib), num(lo.setups))
	for _, h := range at[1:] {
		text += fmt.Sprintf("; %s %s KiB, %.1fx (set up at %s/s)", h.series, num(h.kib), h.kib/max(lo.kib, 1e-9), num(h.setups))
	}
	add("servers", false, "%s: the server tree's RSS with all held minus before the first, per connection; median over usable repeats.", text)
	return out
}

// blockVictim is one series under the blocking handler.
type blockVictim struct {
	Cell               *serverCell
	Others, All, Block float64 // ms: p99 of the non-blocking requests, of all, the block
	Own                float64 // ms: a request's own wait (the sleep)
}

// stalled reports whether the blocking call held up the other requests:
// their p99 reached half the block.
func (v blockVictim) stalled() bool { return v.Others >= v.Block/2 }

func blockVictims(d *Data) []blockVictim {
	var out []blockVictim
	for _, c := range serverCells(d, resultfmt.TagServerBlocking) {
		p := c.Spec.Params.Fill()
		v := blockVictim{Cell: c, Block: float64(p.Block) / 1e6, Own: float64(p.Sleep) / 1e6}
		if len(c.Valid) > 0 {
			v.Others = c.stat(func(t resultfmt.ServerTrial) float64 { return t.P99Others }).Median
			v.All = c.stat(func(t resultfmt.ServerTrial) float64 { return t.P99 }).Median
		}
		out = append(out, v)
	}
	return out
}

// blockingServerFindings says whom the blocking handler stalls, and
// flags a contradiction when a model whose handlers share one thread
// (its traits: an event loop or one task at a time) kept its other
// requests under half the block.
func blockingServerFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	vs := blockVictims(d)
	var stalled, spared, unusable []string
	contradict := false
	for _, v := range vs {
		if len(v.Cell.Valid) == 0 {
			unusable = append(unusable, fmt.Sprintf("%s (%s)", v.Cell.Series, v.Cell.whyText()))
			continue
		}
		s := fmt.Sprintf("%s %s ms", v.Cell.Series, num(v.Others))
		if v.stalled() {
			stalled = append(stalled, s)
		} else {
			spared = append(spared, s)
			k := d.traits(baseModel(v.Cell.Series)).Kind
			contradict = contradict || k == resultfmt.KindEventLoop || k == resultfmt.KindSequential
		}
	}
	if len(stalled)+len(spared) == 0 {
		return nil
	}
	block, every := vs[0].Block, vs[0].Cell.Spec.Params.Fill().BlockEvery
	text := fmt.Sprintf("One request in %d blocking its handler for %s ms", every, num(block))
	if len(stalled) > 0 {
		text += fmt.Sprintf(" stalls the other requests of %s (p99 of the others at least half the block: they waited behind it)", strings.Join(stalled, ", "))
	} else {
		text += " stalls no model's other requests"
	}
	if len(spared) > 0 {
		text += fmt.Sprintf("; the others' p99 stays under half the block for %s", strings.Join(spared, ", "))
	}
	if len(unusable) > 0 {
		text += fmt.Sprintf("; no usable trial for %s", strings.Join(unusable, ", "))
	}
	add("servers", contradict, "%s.", text)
	return out
}
