package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"concbench/resultfmt"
)

// TestReportNamesViolations: a violated invariant is named, with its row,
// at the top of REPORT.md (before the findings) and in the terminal
// output; with none, one line says every check held.
func TestReportNamesViolations(t *testing.T) {
	f := fixtureFile()
	bad := &f.Trials[len(f.Trials)-1]
	bad.Invariants = append(bad.Invariants, resultfmt.Check{Name: "littles-law", OK: false, Value: 0.62, Bound: 1, Detail: "mean tasks in the system / clients = 0.620"})
	dir := t.TempDir()
	if err := f.Write(filepath.Join(dir, "results.json")); err != nil {
		t.Fatal(err)
	}
	var term bytes.Buffer
	if _, err := GenerateContext(context.Background(), dir, &term); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	row := "littles-law violated in " + rowName(bad.Spec, bad.Config.Concurrency) + " (repeat 1)"
	at := strings.Index(md, row)
	if at < 0 || !strings.Contains(md, "[!CAUTION]") || at > strings.Index(md, "## Findings") {
		t.Errorf("REPORT.md does not name %q in a caution block above the findings:\n%s", row, md[:min(len(md), 2000)])
	}
	if !strings.Contains(term.String(), "*** INVARIANTS: 1 of ") || !strings.Contains(term.String(), row) {
		t.Errorf("terminal output does not name the violation:\n%s", term.String()[:min(term.Len(), 1000)])
	}

	st := invariantStatus(fixtureFile())
	if lines := st.Lines(); len(st.Violations) != 0 || !strings.HasPrefix(lines[0], "All ") {
		t.Errorf("clean fixture: %q", lines)
	}
}

// TestReportCountsIndependentEvidence: the summary line says how many
// checks compared the models' claims with evidence they do not write, and
// names the sources.
func TestReportCountsIndependentEvidence(t *testing.T) {
	f := fixtureFile()
	f.Trials[0].Invariants = append(f.Trials[0].Invariants,
		resultfmt.Check{Name: "teardown", OK: true, Value: 0.01, Bound: 0.25, Evidence: resultfmt.EvidenceClock},
		resultfmt.Check{Name: "bytes-read", OK: true, Value: 2, Bound: 1, Evidence: resultfmt.EvidenceKernel})
	st := invariantStatus(f)
	line := st.Lines()[0]
	want := "2 of the " + strconv.Itoa(st.Checks) + " compared the models' claims with evidence the models do not write (harness-clock, kernel-counters)"
	if st.Independent != 2 || !strings.Contains(line, want) {
		t.Errorf("independent %d; line %q lacks %q", st.Independent, line, want)
	}
}
