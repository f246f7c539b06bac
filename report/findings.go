package report

import (
	"concbench/resultfmt"
	"fmt"
	"math"
	"strings"
)

// Finding is one sentence of the report written from the data. Contradicts
// is set when the measurement goes against the lesson the benchmark is
// expected to teach; the report then says so instead of hiding it.
type Finding struct {
	Topic      string
	Text       string
	Contradict bool
}

// findings derives the report's findings from the data; every number comes
// from the results.
func findings(d *Data) []Finding {
	var out []Finding
	add := func(topic string, contradict bool, format string, args ...any) {
		out = append(out, Finding{Topic: topic, Text: fmt.Sprintf(format, args...), Contradict: contradict})
	}
	cores := d.cores()

	// Throughput: best model per workload vs sequential.
	for _, w := range Workloads(d.Tag(resultfmt.TagThroughput)) {
		var best *Cell
		var seq float64
		for _, c := range d.Tag(resultfmt.TagThroughput, w) {
			if best == nil || c.Summary.Throughput.Median > best.Summary.Throughput.Median {
				best = c
			}
			if c.Spec.Model == "sequential" {
				seq = c.Summary.Throughput.Median
			}
		}
		if best == nil || best.Summary.Throughput.Median == 0 {
			continue
		}
		vs := ""
		if seq > 0 && best.Spec.Model != "sequential" {
			vs = fmt.Sprintf(", %.1fx sequential's %s tasks/s", best.Summary.Throughput.Median/seq, num(seq))
		}
		add("throughput", false, "On %s (batch of %d), %s has the highest throughput: %s tasks/s%s.", w, best.Spec.Tasks, best.Spec.Model, num(best.Summary.Throughput.Median), vs)
	}

	// Overhead per task on the no-op workload.
	if cs := d.Tag(resultfmt.TagThroughput, "noop"); len(cs) > 0 {
		var parts []string
		per := map[string]float64{}
		for _, c := range cs {
			per[c.Spec.Model] = c.Summary.CPUPerTask.Median
			parts = append(parts, fmt.Sprintf("%s %s µs", c.Spec.Model, num(c.Summary.CPUPerTask.Median)))
		}
		add("overhead", false, "Overhead per task (CPU per no-op task, whole process tree): %s.", strings.Join(parts, ", "))
		if mp, g := per["multiproc"], per["goroutines"]; mp > 0 && g > 0 {
			if mp > g {
				add("overhead", false, "Processes pay for IPC: a no-op task costs multiproc %.1fx the CPU of goroutines (%s vs %s µs), the price of framing every task and result over a pipe.", mp/g, num(mp), num(g))
			} else {
				add("overhead", true, "multiproc spent no more CPU per no-op task than goroutines (%s vs %s µs), although every task crosses a pipe twice; IPC cost is not visible here.", num(mp), num(g))
			}
		}
	}

	// CPU-bound speedup.
	if pts, base, ok := speedups(d); ok {
		best := map[string]SpeedupPoint{}
		for _, q := range pts {
			if b, seen := best[q.Model]; !seen || q.Speedup.Median > b.Speedup.Median {
				best[q.Model] = q
			}
		}
		for _, m := range Models(d.Tag(resultfmt.TagSpeedup)) {
			q, ok := best[m]
			if !ok {
				continue
			}
			switch m {
			case "eventloop":
				if q.Speedup.Median > 1.25 {
					add("speedup", true, "The event loop ran the CPU-bound batch %.2fx faster than sequential (%s s vs %s s); one loop thread should give no CPU parallelism.", q.Speedup.Median, num(q.Makespan.Median), num(base))
				} else {
					add("speedup", false, "The event loop gives no CPU parallelism: %.2fx sequential on the CPU-bound batch (%s s vs %s s), because every CPU step runs on its one loop thread.", q.Speedup.Median, num(q.Makespan.Median), num(base))
				}
			default:
				ideal := math.Min(float64(q.Workers), float64(cores))
				text := fmt.Sprintf("%s reaches %.2fx sequential with %d workers (ideal %.0fx on %d cores, %.0f%% of it).", m, q.Speedup.Median, q.Workers, ideal, cores, 100*q.Speedup.Median/ideal)
				if q.Speedup.Median > 1.15*ideal {
					add("speedup", false, "%s That is above the ideal, which no model can truly beat: the sequential baseline (%s s) or this configuration was disturbed by noise; see the min..max range in the table.", text, num(base))
				} else if cores > 1 && q.Speedup.Median < 0.7*float64(min(cores, q.Workers)) && q.Workers > 1 {
					add("speedup", true, "%s (goroutines, pools and processes should run CPU work in parallel; check the machine warnings: a cgroup CPU limit or other load can cap it).", strings.TrimSuffix(text, "."))
				} else {
					add("speedup", false, "%s", text)
				}
			}
		}
		if cores == 1 {
			add("speedup", false, "This machine has 1 core, so no model can show CPU parallelism here.")
		}
	}

	// CPU utilisation on the CPU-bound workload.
	for _, c := range d.Tag(resultfmt.TagThroughput, "cpu-hash") {
		if c.Spec.Model == "eventloop" && c.Summary.CPUCores.Median > 1.2 {
			add("cpu", true, "The event loop used %.2f cores on cpu-hash; a single loop thread should stay near 1.", c.Summary.CPUCores.Median)
		}
	}

	// I/O scaling at the largest task count.
	io := d.Tag(resultfmt.TagIOScaling)
	for _, m := range Models(io) {
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
		if m == "sequential" {
			add("io", false, "sequential took %s s for %d tasks that each wait %v: %.2fx the N x wait bound of %s s, one wait after another.", num(mk), c.Spec.Tasks, c.Spec.Params.Sleep, mk/seq, num(seq))
			continue
		}
		if (m == "eventloop" || m == "goroutines") && c.Spec.Tasks >= 100 && seq/mk < 10 {
			add("io", true, "%s (it should overlap the waits).", strings.TrimSuffix(text, "."))
		} else {
			add("io", false, "%s", text)
		}
	}

	// Memory per in-flight task.
	if fits := memFits(d); len(fits) > 0 {
		var parts []string
		per := map[string]float64{}
		for _, f := range fits {
			per[f.Model] = f.PerTask
			parts = append(parts, fmt.Sprintf("%s %s (%d trials, %s–%s in flight)", f.Model, fmtBytes(f.PerTask), f.Points, fmtNum(f.MinInflight), fmtNum(f.MaxInflight)))
		}
		add("memory", false, "Memory per in-flight task (slope of peak RSS vs in-flight tasks): %s.", strings.Join(parts, "; "))
		if el, g := per["eventloop"], per["goroutines"]; el > 0 && g > 0 {
			if el < g {
				add("memory", false, "An event-loop task (a state machine and a timer) costs %.1fx less memory than a goroutine with its stack (%s vs %s).", g/el, fmtBytes(el), fmtBytes(g))
			} else {
				add("memory", true, "An event-loop task cost as much memory as a goroutine (%s vs %s).", fmtBytes(el), fmtBytes(g))
			}
		}
	}

	// Saturation points under open load.
	for _, cur := range openCurves(d) {
		if cur.Knee < 0 {
			last := cur.Points[len(cur.Points)-1]
			add("saturation", false, "%s did not saturate up to %s tasks/s offered (p99 %s ms, %s tasks/s achieved).", cur.Model, num(last.Rate), num(last.P99.Median), num(last.Throughput.Median))
			continue
		}
		k := cur.Points[cur.Knee]
		prev := ""
		if cur.Knee > 0 {
			prev = fmt.Sprintf("; it kept up at %s tasks/s", num(cur.Points[cur.Knee-1].Rate))
		}
		add("saturation", false, "%s saturates at %s tasks/s offered: %s%s.", cur.Model, num(k.Rate), cur.Why, prev)
	}

	// The blocking mistake.
	ss := stalls(d)
	byModel := map[string]Stall{}
	for _, s := range ss {
		byModel[s.Model] = s
		add("blocking", false, "%s: with a %s ms blocking call in 1 of every %d tasks, the worst task that did not block itself took %s ms (its own wait: %s ms), a stall of %s ms; %.1f%% of the other tasks were delayed by more than half the call.",
			s.Model, num(s.Block), d.Tag(resultfmt.TagBlocking)[0].Spec.Params.BlockEvery, num(s.OtherMax), num(s.Ideal), num(s.Stall), 100*s.Delayed)
	}
	if el, ok := byModel["eventloop"]; ok {
		if el.Stall < el.Block/2 {
			add("blocking", true, "The event loop's blocking call did not stall the other tasks (stall %s ms for a %s ms call); it should stall every task on the loop.", num(el.Stall), num(el.Block))
		}
		if g, ok := byModel["goroutines"]; ok && g.Stall >= el.Block/2 {
			add("blocking", true, "Goroutines also stalled other tasks by %s ms around the %s ms blocking call; only the blocking goroutine should wait.", num(g.Stall), num(g.Block))
		}
	}
	return out
}
