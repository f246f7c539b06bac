package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"concbench/report"
	"concbench/resultfmt"
)

// termWidth is the width tables are fitted to: 0 (every column) with --wide
// or for output that is not a terminal, else the terminal's width. COLUMNS
// sets the width of output that is not a terminal (tests, `script`).
// Wrappers of stdout (checkedWriter) are looked through with Unwrap.
func termWidth(stdout io.Writer, wide bool) int {
	if wide {
		return 0
	}
	for {
		u, ok := stdout.(interface{ Unwrap() io.Writer })
		if !ok {
			break
		}
		stdout = u.Unwrap()
	}
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	if c, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	return 0
}

// Unwrap is the writer c checks, so termWidth can find the terminal.
func (c *checkedWriter) Unwrap() io.Writer { return c.w }

// runTable is the table of `concbench run`: one row per model. A narrow
// terminal keeps the core columns, and for a batch the makespan; the rest
// are added, in the order the workload makes useful, while they fit. A
// noisy row says by how much its throughput varied (±half the range).
func runTable(spec resultfmt.Spec, rows []resultfmt.Summary) report.Table {
	t := report.Table{ID: "run",
		Header: []string{"model", "GOMAXPROCS", "concurrency", "makespan s", "tasks/s", "p50 ms", "p99 ms",
			"peak in-flight", "CPU cores", "CPU µs/task", "peak RSS MiB", "OS threads", "KiB/in-flight task", "note"},
		Core: []string{"model", "tasks/s", "p50 ms", "p99 ms", "CPU cores", "peak RSS MiB"},
		More: []string{"concurrency", "peak in-flight", "CPU µs/task", "OS threads", "KiB/in-flight task", "GOMAXPROCS"},
	}
	if strings.HasPrefix(spec.Workload, "cpu") {
		t.More = []string{"GOMAXPROCS", "concurrency", "CPU µs/task", "peak in-flight", "OS threads", "KiB/in-flight task"}
	}
	if spec.Load == "batch" {
		t.Core = append(t.Core, "makespan s")
	}
	t.Core = append(t.Core, "note")
	for _, r := range rows {
		if r.Repeats == 0 {
			t.Rows = append(t.Rows, []string{r.Spec.Model, "", "", "", "", "", "", "", "", "", "", "", "", "FAILED: " + firstLine(r.Error)})
			continue
		}
		var notes []string
		if r.Repeats > 1 {
			notes = append(notes, fmt.Sprintf("95%% CI ±%.1f%%", r.ThroughputCI.HalfWidth(r.Throughput.Median)*100))
		}
		if r.Noisy {
			notes = append(notes, fmt.Sprintf("noisy: ±%.0f%%", 50*r.Throughput.Spread()))
		}
		cores, perTask := report.FormatStat(r.CPUCores), report.FormatStat(r.CPUPerTask)
		if r.CPUUnresolved != "" {
			cores, perTask = "–", "–"
			notes = append(notes, "CPU –: trial too short to resolve")
		}
		if len(r.Violations) > 0 {
			notes = append(notes, "INVARIANT VIOLATED: "+strings.Join(r.Violations, ", "))
		}
		t.Rows = append(t.Rows, []string{r.Spec.Model, strconv.Itoa(r.Procs), report.FormatConc(r.Conc),
			report.FormatStat(r.Makespan), report.FormatStat(r.Throughput), report.FormatStat(r.P50), report.FormatStat(r.P99),
			strconv.FormatFloat(r.Inflight.Median, 'f', 0, 64), cores, perTask,
			report.FormatNum(r.PeakRSS.Median / (1 << 20)), report.FormatNum(r.Threads.Median), memPerTask(r),
			strings.Join(notes, "; ")})
	}
	return t
}

// writeRunTable prints the run's table fitted to width (0: every column),
// then one or two lines on what the rows show, from the report's findings.
func writeRunTable(w io.Writer, width int, spec resultfmt.Spec, out runOutput) error {
	head := fmt.Sprintf("workload=%s load=%s tasks=%d", spec.Workload, spec.Load, spec.Tasks)
	if len(out.Summary) > 0 && out.Summary[0].Repeats > 1 {
		head += fmt.Sprintf(" repeats=%d (median (min–max))", out.Summary[0].Repeats)
	}
	fmt.Fprintln(w, report.Wrap(head, width, "  "))
	if err := runTable(spec, out.Summary).RenderWidth(w, width); err != nil {
		return err
	}
	report.WriteFindings(w, report.RunFindings(&resultfmt.File{Meta: out.Meta, Trials: out.Trials}), width)
	return nil
}

// memPerTask is the memory per in-flight task in KiB, or "–" when no
// repeat's plateau held an RSS sample (too short to measure, not zero).
func memPerTask(r resultfmt.Summary) string {
	if r.MemPerInflight == (resultfmt.Stat{}) {
		return "–"
	}
	return report.FormatNum(r.MemPerInflight.Median / 1024)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}
