package report

import (
	"fmt"
	"math"

	"concbench/resultfmt"
)

// Stall summarises the blocking mistake for one model: how much the
// blocking calls delayed the other tasks.
type Stall struct {
	Model string
	// Ideal is the tasks' own wait (ms); Block the blocking call (ms).
	Ideal, Block float64
	// P50 and P99 of all tasks (ms, median over repeats).
	P50, P99 float64
	// OtherMax is the worst latency of a task that did not block itself
	// (ms, median over repeats); Stall = OtherMax - Ideal.
	OtherMax, Stall float64
	// Delayed is the share of non-blocking tasks delayed by more than half
	// the blocking call (median over repeats).
	Delayed float64
	// Trial is the repeat drawn in chart 9.
	Trial resultfmt.Result
}

// otherMaxOf is the worst latency (ms) of a task in r's series that did
// not block itself.
func otherMaxOf(r resultfmt.Result) float64 {
	v := 0.0
	for _, pt := range r.Series {
		if !pt.Blocking {
			v = math.Max(v, pt.Latency)
		}
	}
	return v
}

// stalls computes the Stall of every model in the "blocking" experiment
// whose trials kept a per-task series.
func stalls(d *Data) []Stall {
	cells := d.Tag(resultfmt.TagBlocking)
	var out []Stall
	for _, m := range SeriesOf(cells) {
		c := ByModel(cells)[m][0]
		if len(c.Trials) == 0 || len(c.Trials[0].Series) == 0 {
			continue
		}
		ideal := c.Spec.Params.Sleep.Seconds() * 1000
		block := c.Spec.Params.Block.Seconds() * 1000
		otherMax := otherMaxOf
		delayed := func(r resultfmt.Result) float64 {
			n, k := 0, 0
			for _, pt := range r.Series {
				if !pt.Blocking {
					n++
					if pt.Latency > ideal+block/2 {
						k++
					}
				}
			}
			if n == 0 {
				return 0
			}
			return float64(k) / float64(n)
		}
		om := c.stat(otherMax).Median
		out = append(out, Stall{
			Model: m, Ideal: ideal, Block: block,
			P50: c.Summary.P50.Median, P99: c.Summary.P99.Median,
			OtherMax: om, Stall: math.Max(0, om-ideal), Delayed: c.stat(delayed).Median,
			Trial: c.median(otherMax),
		})
	}
	return out
}

// blockingFindings reports how long one blocking call stalls the other tasks.
func blockingFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	ss := stalls(d)
	byModel := map[string]Stall{}
	for _, s := range ss {
		byModel[s.Model] = s
		add("blocking", false, "%s: with a %s ms blocking call in 1 of every %d tasks, the worst task that did not block itself took %s ms (its own wait: %s ms), a stall of %s ms; %.1f%% of the other tasks were delayed by more than half the call.",
			s.Model, num(s.Block), d.Tag(resultfmt.TagBlocking)[0].Spec.Params.BlockEvery, num(s.OtherMax), num(s.Ideal), num(s.Stall), 100*s.Delayed)
	}
	if el, ok := byModel[d.modelWhere(goLoop)]; ok {
		if el.Stall < el.Block/2 {
			add("blocking", true, "The event loop's blocking call did not stall the other tasks (stall %s ms for a %s ms call); it should stall every task on the loop.", num(el.Stall), num(el.Block))
		}
		if g, ok := byModel[d.modelWhere(goPerTask)]; ok && g.Stall >= el.Block/2 {
			add("blocking", true, "%s also stalled other tasks by %s ms around the %s ms blocking call; only the blocking goroutine should wait.", capital(g.Model), num(g.Stall), num(g.Block))
		}
	}
	return out
}

// label names a stall's series in both drawings of the blocking chart: the
// model and the worst other task of the repeat drawn (s.Trial).
func (s Stall) label() string {
	return fmt.Sprintf("%s: worst other task %.0f ms (its own wait %.0f ms)", s.Model, otherMaxOf(s.Trial), s.Ideal)
}
