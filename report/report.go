package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"

	"concbench/internal/table"
	"concbench/resultfmt"
)

// Report is everything generated from one results directory.
type Report struct {
	Dir      string
	Data     *Data
	Charts   []Chart
	Tables   []Table
	Findings []Finding
}

// GenerateContext reads dir/results.json.gz (or results.json), draws every chart
// into dir (SVG and PNG), writes dir/REPORT.md and dir/report.html and,
// when terminal is not nil, prints the tables and findings there. A
// missing, corrupt, wrong-version or out-of-range results file yields an
// error wrapping resultfmt.ErrBadResults. It stops when ctx
// ends (Ctrl-C).
func GenerateContext(ctx context.Context, dir string, terminal io.Writer) (*Report, error) {
	f, err := readResults(dir)
	if err != nil {
		return nil, err
	}
	return generate(ctx, dir, NewData(f), terminal)
}

// GenerateMergedContext draws one report across machines into out: it reads
// dirs[i]/results.json, labels its configurations labels[i] (which must
// pass CheckLabels) and merges them by configuration, each machine's
// models a series of their own. It stops when ctx ends.
func GenerateMergedContext(ctx context.Context, out string, dirs, labels []string, terminal io.Writer) (*Report, error) {
	if len(dirs) != len(labels) {
		return nil, fmt.Errorf("%d results directories but %d labels", len(dirs), len(labels))
	}
	var inputs []Input
	for i, dir := range dirs {
		f, err := readResults(dir)
		if err != nil {
			return nil, err
		}
		inputs = append(inputs, Input{Label: labels[i], File: f})
	}
	return generate(ctx, out, Merge(inputs), terminal)
}

// readResults reads dir/results.json and checks every number the report
// uses (resultfmt.File.Validate).
func readResults(dir string) (*resultfmt.File, error) {
	path := filepath.Join(dir, "results.json")
	f, err := resultfmt.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", resultfmt.ErrBadResults, path, err)
	}
	return f, nil
}

// generate draws d's charts, REPORT.md, report.html and terminal tables
// into dir. The directory is probed first; every file is rendered in
// memory, then the whole set is written all or nothing (writeSet): an
// interrupted or failed report (a full disk) leaves the directory's
// previous report as it was, no file of it replaced.
func generate(ctx context.Context, dir string, d *Data, terminal io.Writer) (*Report, error) {
	if err := resultfmt.ProbeDir(dir); err != nil {
		return nil, err
	}
	r := &Report{Dir: dir, Data: d}
	var files []output
	var err error
	if r.Charts, files, err = drawCharts(ctx, r.Data); err != nil {
		return nil, err
	}
	r.Tables = buildTables(r.Data)
	r.Findings = findings(r.Data)
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		return nil, err
	}
	files = append(files, output{name: "REPORT.md", data: md.Bytes()})
	var page bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		return nil, err
	}
	files = append(files, output{name: HTMLFile, data: page.Bytes()})
	if err := writeSet(ctx, dir, files); err != nil {
		return nil, err
	}
	if terminal != nil {
		if err := r.WriteTerminal(terminal); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// WriteTerminal prints the banner, tables, findings and the list of chart
// files for a terminal, every column of every table.
func (r *Report) WriteTerminal(w io.Writer) error { return r.WriteTerminalWidth(w, 0) }

// WriteTerminalWidth is WriteTerminal fitted to a terminal of width columns:
// tables keep their core columns (RenderWidth) and text wraps. width <= 0
// prints every column.
func (r *Report) WriteTerminalWidth(w io.Writer, width int) error {
	f := r.Data.File
	if !f.Complete {
		fmt.Fprintln(w, Wrap(fmt.Sprintf("*** INCOMPLETE RESULTS: %s ***", incompleteWhy(f)), width, "    "))
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "concbench report: suite %s, %d trials, %s\n\n", table.Printable(f.Suite), len(f.Trials), f.Meta.Time.Format("2006-01-02 15:04 MST"))
	if st := invariantStatus(f); len(st.Violations) > 0 {
		for i, l := range st.Lines() {
			if i == 0 {
				fmt.Fprintf(w, "*** INVARIANTS: %s ***\n", table.Printable(l))
			} else {
				fmt.Fprintf(w, "  - %s\n", table.Printable(l))
			}
		}
		fmt.Fprintln(w)
	}
	if len(r.Data.Inputs) > 1 {
		for _, in := range r.Data.Inputs {
			m := in.File.Meta
			fmt.Fprintln(w, Wrap(fmt.Sprintf("machine %s: %s, %d cores, %s, suite %s, %d trials, %s", in.Label, m.CPUModel, m.Cores, m.GoVersion, in.File.Suite, len(in.File.Trials), m.Time.Format("2006-01-02 15:04 MST")), width, "  "))
		}
		fmt.Fprintln(w)
	}
	for _, t := range r.Tables {
		fmt.Fprintln(w, Wrap(t.Title, width, "  "))
		if err := t.RenderWidth(w, width); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(w, "Findings:")
		WriteFindings(w, r.Findings, width)
		fmt.Fprintln(w)
	}
	drawn := 0
	for _, c := range r.Charts {
		if c.Missing != "" {
			fmt.Fprintln(w, Wrap(fmt.Sprintf("chart %s not drawn: %s", c.ID, c.Missing), width, "  "))
			continue
		}
		drawn += len(c.Files)
	}
	fmt.Fprintln(w, Wrap(fmt.Sprintf("wrote %d charts (SVG and PNG), %s and %s", drawn, filepath.Join(r.Dir, "REPORT.md"), filepath.Join(r.Dir, HTMLFile)), width, "  "))
	return nil
}

// WriteFindings prints findings as an indented list wrapped to width
// columns (width <= 0: one line each).
func WriteFindings(w io.Writer, fs []Finding, width int) {
	for _, fd := range fs {
		mark := "-"
		if fd.Contradict {
			mark = "! CONTRADICTS THE EXPECTED LESSON:"
		}
		fmt.Fprintln(w, Wrap("  "+mark+" "+fd.Text, width, "    "))
	}
}

// incompleteWhy says why a results file is marked incomplete.
func incompleteWhy(f *resultfmt.File) string {
	switch {
	case f.Interrupted:
		return "the sweep was interrupted; only the trials that finished are shown"
	case f.Failed > 0:
		return fmt.Sprintf("%d trial(s) failed; their cells are missing (see Notes)", f.Failed)
	}
	return "the sweep did not finish; some cells may be missing"
}
