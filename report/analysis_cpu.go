package report

import (
	"fmt"
	"strings"

	"concbench/resultfmt"
)

// cpuPer1000 returns the median user and sys CPU seconds per 1,000
// completed tasks of a cell (the median trial by total CPU).
func cpuPer1000(c *Cell) (user, sys float64) {
	per := func(r resultfmt.Result) float64 {
		if r.Completed == 0 {
			return 0
		}
		return (r.CPUUser + r.CPUSys) / float64(r.Completed) * 1000
	}
	r := c.median(per)
	if r.Completed == 0 {
		return 0, 0
	}
	return r.CPUUser / float64(r.Completed) * 1000, r.CPUSys / float64(r.Completed) * 1000
}

// overheadFindings reports the CPU cost of one no-op task per model (IPC shows here).
func overheadFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	if cs := d.Tag(resultfmt.TagThroughput, "noop"); len(cs) > 0 {
		var parts []string
		per := map[string]float64{}
		for _, c := range cs {
			per[c.Spec.Model] = c.Summary.CPUPerTask.Median
			parts = append(parts, fmt.Sprintf("%s %s µs", c.Spec.Model, num(c.Summary.CPUPerTask.Median)))
		}
		add("overhead", false, "Overhead per task (CPU per no-op task, whole process tree): %s.", strings.Join(parts, ", "))
		mpName, gName := d.modelWhere(goProcesses), d.modelWhere(goPerTask)
		if mp, g := per[mpName], per[gName]; mp > 0 && g > 0 {
			if mp > g {
				add("overhead", false, "Processes pay for IPC: a no-op task costs %s %.1fx the CPU of %s (%s vs %s µs), the price of framing every task and result over a pipe.", mpName, mp/g, gName, num(mp), num(g))
			} else {
				add("overhead", true, "%s spent no more CPU per no-op task than %s (%s vs %s µs), although every task crosses a pipe twice; IPC cost is not visible here.", mpName, gName, num(mp), num(g))
			}
		}
	}
	return out
}

// cpuFindings reports cores used on the CPU-bound workload.
func cpuFindings(d *Data) []Finding {
	out := parallelismFindings(d.Tag(resultfmt.TagThroughput, "cpu-hash"), d.cores())
	add := adder(&out)
	for _, c := range d.Tag(resultfmt.TagThroughput, "cpu-hash") {
		if goLoop(d.traits(c.Spec.Model)) && c.Summary.CPUCores.Median > 1.2 {
			add("cpu", true, "The event loop used %.2f cores on cpu-hash; a single loop thread should stay near 1.", c.Summary.CPUCores.Median)
		}
	}
	return out
}
