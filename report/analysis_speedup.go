package report

import (
	"fmt"
	"math"
	"strings"

	"concbench/resultfmt"
)

// SpeedupPoint is one model at one worker count on the CPU-bound batch.
type SpeedupPoint struct {
	// Model is the series: the model, or "model @ machine" across machines.
	Model    string
	Cores    int     // of the machine the point ran on
	Base     float64 // sequential median makespan on that machine, seconds
	Workers  int
	Makespan resultfmt.Stat // seconds
	Speedup  resultfmt.Stat // sequential median makespan / this makespan
	Ideal    float64        // min(workers, cores)
}

// speedups computes the speedup points of the "speedup" experiment against
// the sequential model's median makespan (on the same machine, in a report
// across machines; base is the first machine's). ok is false without a
// baseline.
func speedups(d *Data) (pts []SpeedupPoint, base float64, ok bool) {
	cells := d.Tag(resultfmt.TagSpeedup)
	bases := map[string]float64{}
	for _, c := range cells {
		if isBaseline(d.traits(c.Spec.Model)) {
			bases[c.Machine] = c.Summary.Makespan.Median
			if base <= 0 {
				base = c.Summary.Makespan.Median
			}
		}
	}
	if base <= 0 {
		return nil, 0, false
	}
	for _, c := range cells {
		base := bases[c.Machine]
		if isBaseline(d.traits(c.Spec.Model)) || c.Summary.Makespan.Median <= 0 || base <= 0 {
			continue
		}
		w := c.Conc
		if w <= 0 { // unlimited (a goroutine per task, the event loop): its parallelism is GOMAXPROCS
			w = max(1, c.Trials[0].Config.Procs)
		}
		if !d.traits(c.Spec.Model).Parallel {
			// One loop thread whatever its in-flight limit; the suite varies
			// GOMAXPROCS instead, to show more threads do not help it.
			w = max(1, c.Trials[0].Config.Procs)
		}
		m := c.Summary.Makespan
		pts = append(pts, SpeedupPoint{
			Model: c.Series(), Cores: d.coresOf(c), Base: base, Workers: w, Makespan: m,
			Speedup: resultfmt.Stat{Median: base / m.Median, Min: base / m.Max, Max: base / m.Min},
			Ideal:   math.Min(float64(w), float64(d.coresOf(c))),
		})
	}
	return pts, base, true
}

// quotedPoint is the point a finding quotes: W = the cores of the machine
// it ran on (the configuration a user would pick), else the largest W
// below them, else the smallest W.
func quotedPoint(pts []SpeedupPoint) (SpeedupPoint, bool) {
	var q SpeedupPoint
	found := false
	for _, p := range pts {
		switch {
		case !found:
			q, found = p, true
		case p.Workers <= p.Cores && (q.Workers > q.Cores || p.Workers > q.Workers):
			q = p
		case q.Workers > q.Cores && p.Workers < q.Workers:
			q = p
		}
	}
	return q, found
}

// otherPoints lists the speedups of pts other than q: "; W=1: 0.98x, W=4: 1.95x".
func otherPoints(pts []SpeedupPoint, q SpeedupPoint) string {
	var parts []string
	for _, p := range pts {
		if p.Workers != q.Workers {
			parts = append(parts, fmt.Sprintf("W=%d: %.2fx", p.Workers, p.Speedup.Median))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

// speedupFindings reports CPU-bound speedup against the ideal min(workers,
// cores), quoting each model at W = cores and listing its other W.
func speedupFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	cores := d.cores()
	if pts, _, ok := speedups(d); ok {
		byModel := map[string][]SpeedupPoint{}
		for _, q := range pts {
			byModel[q.Model] = append(byModel[q.Model], q)
		}
		for _, m := range SeriesOf(d.Tag(resultfmt.TagSpeedup)) {
			q, ok := quotedPoint(byModel[m])
			if !ok {
				continue
			}
			rest := otherPoints(byModel[m], q)
			t := d.traits(baseModel(m))
			base := t.Baseline
			if base == "" {
				base = d.goBaseline()
			}
			switch {
			case goLoop(t):
				if q.Speedup.Median > 1.25 {
					add("speedup", true, "The event loop ran the CPU-bound batch %.2fx faster than %s (%s s vs %s s); one loop thread should give no CPU parallelism.", q.Speedup.Median, base, num(q.Makespan.Median), num(q.Base))
				} else {
					add("speedup", false, "The event loop gives no CPU parallelism: %.2fx %s on the CPU-bound batch at GOMAXPROCS=%d (%s s vs %s s), because every CPU step runs on its one loop thread%s.", q.Speedup.Median, base, q.Workers, num(q.Makespan.Median), num(q.Base), rest)
				}
			default:
				cores, ideal := q.Cores, q.Ideal
				text := fmt.Sprintf("%s reaches %.2fx %s with W = %d workers (ideal %.0fx on %d cores, %.0f%% of it)%s.", m, q.Speedup.Median, base, q.Workers, ideal, cores, 100*q.Speedup.Median/ideal, rest)
				if q.Speedup.Median > 1.15*ideal {
					add("speedup", false, "%s That is above the ideal, which no model can truly beat: the %s baseline (%s s) or this configuration was disturbed by noise; see the min..max range in the table.", text, base, num(q.Base))
				} else if cores > 1 && q.Speedup.Median < 0.7*float64(min(cores, q.Workers)) && q.Workers > 1 {
					add("speedup", true, "%s (a goroutine per task, pools and processes should run CPU work in parallel; check the machine warnings: a cgroup CPU limit or other load can cap it).", strings.TrimSuffix(text, "."))
				} else {
					add("speedup", false, "%s", text)
				}
			}
		}
		if cores == 1 {
			add("speedup", false, "This machine has 1 core, so no model can show CPU parallelism here.")
		}
	}
	return out
}

// speedupAxes are the speedup chart's axis labels.
func speedupAxes(d *Data) (x, y string) {
	loop := d.modelWhere(goLoop)
	if loop == "" {
		loop = "event loop"
	}
	return fmt.Sprintf("workers (pool W, goroutine limit, processes P; %s: GOMAXPROCS)", loop), "speedup over " + d.goBaseline() + " (x)"
}

// idealLine is a reference line through points (x, y).
type idealLine struct {
	Label string
	Pts   [][2]float64
}

// speedupIdeals are the ideal speedups min(workers, cores) for workers
// 1..maxW, one line per core count among the machines; in a report across
// machines each names the machines it bounds. Both drawings of the speedup
// chart draw these.
func speedupIdeals(d *Data, maxW int) []idealLine {
	cores, labels := d.machineCores()
	var out []idealLine
	for i, n := range cores {
		l := idealLine{Label: fmt.Sprintf("ideal: min(workers, %d cores)", n)}
		if len(d.Inputs) > 1 {
			l.Label += " on " + strings.Join(labels[i], ", ")
		}
		for w := 1; w <= maxW; w++ {
			l.Pts = append(l.Pts, [2]float64{float64(w), math.Min(float64(w), float64(n))})
		}
		if len(l.Pts) == 1 {
			l.Pts = append(l.Pts, [2]float64{float64(maxW) + 1, 1})
		}
		out = append(out, l)
	}
	return out
}

// speedupTitle is the speedup chart's title.
func speedupTitle(d *Data) string {
	cores, _ := d.machineCores()
	return fmt.Sprintf("CPU-bound speedup vs %s (%s, %s cores)", d.goBaseline(), d.Tag(resultfmt.TagSpeedup)[0].Spec.Workload, joinInts(cores))
}

// speedupLabel names series m in the speedup chart: the event loop's says
// its x is GOMAXPROCS.
func speedupLabel(d *Data, m string) string {
	if m == d.modelWhere(goLoop) {
		return m + " (1 loop thread; x = GOMAXPROCS)"
	}
	return m
}
