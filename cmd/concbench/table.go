package main

import (
	"fmt"
	"io"
	"strings"

	"concbench/resultfmt"
)

// fmtStat renders a median, with the min..max range when repeats differ.
func fmtStat(s resultfmt.Stat, prec int) string {
	v := fmt.Sprintf("%.*f", prec, s.Median)
	if s.Max != s.Min {
		v += fmt.Sprintf(" [%.*f..%.*f]", prec, s.Min, prec, s.Max)
	}
	return v
}

// fmtCPU renders a CPU figure, or "–" when the trials were too short for
// the CPU clocks to resolve it.
func fmtCPU(r resultfmt.Summary, s resultfmt.Stat, prec int) string {
	if r.CPUUnresolved != "" {
		return "–"
	}
	return fmtStat(s, prec)
}

// fmtConc renders a model's resolved concurrency.
func fmtConc(c int) string {
	if c == 0 {
		return "unlimited"
	}
	return fmt.Sprint(c)
}

// writeRunTable prints one row per model: throughput, latency, CPU, memory.
func writeRunTable(w io.Writer, spec resultfmt.Spec, rows []resultfmt.Summary) error {
	fmt.Fprintf(w, "workload=%s load=%s tasks=%d", spec.Workload, spec.Load, spec.Tasks)
	if len(rows) > 0 && rows[0].Repeats > 1 {
		fmt.Fprintf(w, " repeats=%d (median [min..max])", rows[0].Repeats)
	}
	fmt.Fprintln(w)
	t := newTable(w)
	t.Header("model", "GOMAXPROCS", "concurrency", "makespan s", "tasks/s", "p50 ms", "p99 ms",
		"peak in-flight", "CPU cores", "CPU µs/task", "peak RSS MiB", "note")
	for _, r := range rows {
		if r.Repeats == 0 {
			_ = t.Append(r.Spec.Model, "", "", "", "", "", "", "", "", "", "", "FAILED: "+firstLine(r.Error))
			continue
		}
		var notes []string
		if r.Repeats > 1 {
			notes = append(notes, fmt.Sprintf("95%% CI ±%.1f%%", r.ThroughputCI.HalfWidth(r.Throughput.Median)*100))
		}
		if r.Noisy {
			notes = append(notes, fmt.Sprintf("noisy (spread %.0f%%)", r.Throughput.Spread()*100))
		}
		if r.CPUUnresolved != "" {
			notes = append(notes, "CPU –: trial too short to resolve")
		}
		if len(r.Violations) > 0 {
			notes = append(notes, "INVARIANT VIOLATED: "+strings.Join(r.Violations, ", "))
		}
		_ = t.Append(r.Spec.Model, fmt.Sprint(r.Procs), fmtConc(r.Conc),
			fmtStat(r.Makespan, 3), fmtStat(r.Throughput, 0), fmtStat(r.P50, 2), fmtStat(r.P99, 2),
			fmt.Sprintf("%.0f", r.Inflight.Median), fmtCPU(r, r.CPUCores, 2), fmtCPU(r, r.CPUPerTask, 1),
			fmt.Sprintf("%.1f", r.PeakRSS.Median/(1<<20)), strings.Join(notes, "; "))
	}
	return t.Render()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}
