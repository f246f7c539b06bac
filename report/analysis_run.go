package report

import (
	"fmt"
	"math"
	"strings"

	"concbench/resultfmt"
)

// RunFindings says in one or two lines what the table of one `concbench
// run` shows: the CPU parallelism each model got, and the bound that a
// fixed number of workers sets on a batch. f holds the run's trials and
// metadata; the same functions write findings of REPORT.md.
func RunFindings(f *resultfmt.File) []Finding {
	d := NewData(f)
	out := append(parallelismFindings(d.Cells, d.cores()), boundFindings(d.Cells)...)
	return append(out, TaxFindings(d)...)
}

// singleCore is the CPU use (cores) up to which a model counts as running
// on one core: the clock's resolution and the runtime's own threads add a
// little over 1.
const singleCore = 1.2

// cpuBusy is the CPU use (cores) from which a model counts as busy with
// CPU work: it kept about a core busy all along.
const cpuBusy = 0.9

// parallelismFindings says which models used one core and which ran CPU
// work in parallel, when the cells ran CPU steps and were busy with them (a
// model kept about a core busy); nothing for waiting workloads, where a
// goroutine-per-task model's half core of scheduling, or a runtime's GC
// threads, are no lesson. Cells whose CPU is unresolved are left out.
func parallelismFindings(cells []*Cell, cores int) []Finding {
	busiest := 0.0
	var resolved []*Cell
	for _, c := range cells {
		// Only cells that ran CPU steps: on a waiting workload a runtime's
		// own threads (GC, timers) are no lesson about CPU parallelism.
		ranCPU := c.stat(func(r resultfmt.Result) float64 { return float64(r.PeakCPUSteps) }).Median >= 1
		if c.Summary.CPUUnresolved == "" && len(c.Trials) > 0 && ranCPU {
			resolved = append(resolved, c)
			busiest = math.Max(busiest, c.Summary.CPUCores.Median)
		}
	}
	if busiest < cpuBusy {
		return nil
	}
	cells = resolved
	var one, many []string
	for _, c := range cells {
		v := c.Summary.CPUCores.Median
		if v <= singleCore {
			one = append(one, fmt.Sprintf("%s %.2f", c.Series(), v))
		} else {
			many = append(many, fmt.Sprintf("%s %.2f", c.Series(), v))
		}
	}
	var parts []string
	if len(one) > 0 {
		parts = append(parts, fmt.Sprintf("%s: no CPU parallelism", strings.Join(one, ", ")))
	}
	if len(many) > 0 {
		parts = append(parts, fmt.Sprintf("%s of the %d: in parallel", strings.Join(many, ", "), cores))
	}
	var out []Finding
	adder(&out)("parallelism", false, "On %s, CPU used (cores): %s.", cells[0].Spec.Workload, strings.Join(parts, "; "))
	return out
}

// boundFindings names the batch cells that a fixed number of workers (two
// or more: one worker is sequential by design) bounds: makespan near
// ceil(tasks/workers) x the mean service time of a task (within
// -20%..+30%).
func boundFindings(cells []*Cell) []Finding {
	var parts []string
	for _, c := range cells {
		if c.Conc <= 1 || c.Conc >= c.Spec.Tasks || c.Spec.Load != "batch" || len(c.Trials) == 0 {
			continue
		}
		r := c.median(func(r resultfmt.Result) float64 { return r.Makespan })
		rounds := math.Ceil(float64(c.Spec.Tasks) / float64(c.Conc))
		bound := rounds * r.Service.Mean / 1000
		if bound <= 0 || r.Makespan < 0.8*bound || r.Makespan > 1.3*bound {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s is bounded by its %d workers: %d/%d x %s ms = %s s (measured %s s)",
			c.Series(), c.Conc, c.Spec.Tasks, c.Conc, num(r.Service.Mean), num(bound), num(r.Makespan)))
	}
	if len(parts) == 0 {
		return nil
	}
	var out []Finding
	adder(&out)("bound", false, "%s.", strings.Join(parts, "; "))
	return out
}
