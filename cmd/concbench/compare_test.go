package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	rf "concbench/resultfmt"
)

// The compare fixtures: new doubles the throughput of one configuration
// with tight repeats (see compare/fixture_test.go).
var (
	fixOld = filepath.Join("..", "..", "compare", "testdata", "old")
	fixNew = filepath.Join("..", "..", "compare", "testdata", "new", "results.json")
)

func TestCompareTable(t *testing.T) {
	out, errs, code := cli("compare", fixOld, fixNew)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"WARNING: Go versions differ", "2.00x better", "0.50x better", "Only in old (1 configuration)", "~"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCompareSameInputNoChange(t *testing.T) {
	out, errs, code := cli("compare", "--fail-on", "0%", fixOld, fixOld)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "x better") || strings.Contains(out, "x worse") {
		t.Errorf("identical inputs report a change:\n%s", out)
	}
}

func TestCompareFailOn(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"--fail-on", "0%", fixOld, fixNew}, 0},   // new is better: never a regression
		{[]string{"--fail-on", "5%", fixNew, fixOld}, 1},   // throughput 0.5x, latency 2x
		{[]string{"--fail-on", "60", fixNew, fixOld}, 1},   // latency 100% worse still
		{[]string{"--fail-on", "100%", fixNew, fixOld}, 0}, // nothing worse than 100%
		{[]string{fixNew, fixOld}, 0},                      // no --fail-on: report only
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:len(tt.args)-2], " "), func(t *testing.T) {
			out, errs, code := cli(append([]string{"compare"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d (stderr %q)", code, tt.code, errs)
			}
			if !strings.Contains(out, "throughput (tasks/s") {
				t.Errorf("no table printed before the verdict")
			}
			if code == 1 {
				if n := strings.Count(strings.TrimSpace(errs), "\n"); n != 0 || !strings.Contains(errs, "significant changes worse than") || !strings.Contains(errs, "cpu-hash/goroutines") {
					t.Errorf("stderr should be one line naming the regression: %q", errs)
				}
			}
		})
	}
}

func TestCompareMarkdownAndChart(t *testing.T) {
	dir := t.TempDir()
	out, errs, code := cli("compare", "--md", "--chart", filepath.Join(dir, "charts"), fixOld, fixNew)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "## throughput (tasks/s, higher is better)") || !strings.Contains(out, "|:---") {
		t.Errorf("--md is not Markdown:\n%s", out)
	}
	for _, f := range []string{"compare.svg", "compare.png"} {
		if st, err := os.Stat(filepath.Join(dir, "charts", f)); err != nil || st.Size() == 0 {
			t.Errorf("chart %s: %v", f, err)
		}
	}
	if _, _, code := cli("compare", "--chart", filepath.Join(dir, "one.png"), fixOld, fixNew); code != 0 {
		t.Errorf("--chart FILE.png: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "one.png")); err != nil {
		t.Error(err)
	}
}

func TestCompareBadInput(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "results.json")
	if err := os.WriteFile(notJSON, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A results file edited to hold an impossible number is refused.
	bad := filepath.Join(dir, "bad")
	f, err := rf.ReadFile(fixNew)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Trials {
		f.Trials[i].Throughput = -5
	}
	if err := rf.WriteResults(bad, f); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"compare", fixOld, bad}, "throughput_per_s -5 out of range"},
		{[]string{"compare", fixOld}, "want two results directories or results.json files, OLD and NEW (got 1 arguments)"},
		{[]string{"compare", fixOld, filepath.Join(dir, "nope")}, "does not exist"},
		{[]string{"compare", fixOld, dir}, "is not valid JSON"},
		{[]string{"compare", "--fail-on", "lots", fixOld, fixNew}, `--fail-on "lots": want a regression threshold in percent`},
		{[]string{"compare", "--fail-on", "-5%", fixOld, fixNew}, "want a regression threshold in percent, 0..1000000"},
		{[]string{"compare", "--chart", filepath.Join(dir, "x.gif"), fixOld, fixNew}, "want a .svg or .png file or a directory"},
		{[]string{"compare", "--chart", filepath.Join(notJSON, "sub"), fixOld, fixNew}, "cannot create"},
		// Issue 22, defect 3: an empty threshold once disabled the gate.
		{[]string{"compare", "--fail-on", "", fixNew, fixOld}, `--fail-on "": want a regression threshold in percent`},
		// Defect 15: the hint names the directory given, never "/".
		{[]string{"compare", fixOld, "/nonexistent-concbench"}, "run `concbench sweep --out /nonexistent-concbench` first"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) { wantUsage(t, tt.args, tt.want) })
	}
}

func TestCompareDisjointRuns(t *testing.T) {
	dir := t.TempDir()
	f, err := rf.ReadFile(filepath.Join(fixOld, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Trials {
		f.Trials[i].Spec.Tag = "other"
	}
	if err := f.Write(filepath.Join(dir, "results.json")); err != nil {
		t.Fatal(err)
	}
	out, errs, code := cli("compare", "--chart", filepath.Join(dir, "c.svg"), fixOld, dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "no configuration was measured in both runs") || !strings.Contains(out, "Only in new (4 configurations)") ||
		!strings.Contains(errs, "chart not drawn") {
		t.Errorf("disjoint runs: stdout %q stderr %q", out, errs)
	}
}

// TestCompareFailOnNothingCompared (issue 22, defect 10): a gate that
// compared nothing (NEW with no trials, or unrelated runs) fails with one
// line; without --fail-on it is a report and exits 0.
func TestCompareFailOnNothingCompared(t *testing.T) {
	dir := t.TempDir()
	f, err := rf.ReadFile(fixNew)
	if err != nil {
		t.Fatal(err)
	}
	f.Trials = nil
	if err := f.Write(filepath.Join(dir, "results.json")); err != nil {
		t.Fatal(err)
	}
	_, errs, code := cli("compare", "--fail-on", "5%", fixOld, dir)
	if code != 1 || !strings.Contains(errs, "nothing was compared") {
		t.Errorf("--fail-on with nothing compared: exit %d, stderr %q", code, errs)
	}
	if _, errs, code := cli("compare", fixOld, dir); code != 0 {
		t.Errorf("without --fail-on: exit %d, stderr %q", code, errs)
	}
}

// TestCompareFlagsAnywhere (issue 22): flags after or between the two
// paths work as before them.
func TestCompareFlagsAnywhere(t *testing.T) {
	for _, args := range [][]string{
		{"--fail-on", "5%", fixNew, fixOld},
		{fixNew, fixOld, "--fail-on", "5%"},
		{fixNew, "--fail-on=5%", fixOld},
	} {
		if _, errs, code := cli(append([]string{"compare"}, args...)...); code != 1 || !strings.Contains(errs, "significant changes worse than 5%") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errs)
		}
	}
	// "--" ends the flags: what follows is a path, even if it looks like a flag.
	if _, errs, code := cli("compare", fixNew, "--", "--md"); code != 2 || !strings.Contains(errs, "--md does not exist") {
		t.Errorf("after --: exit %d, stderr %q", code, errs)
	}
}

// TestCompareChartDirAfterInputs (defect 15): --chart DIR is not created
// when an input is bad.
func TestCompareChartDirAfterInputs(t *testing.T) {
	charts := filepath.Join(t.TempDir(), "charts")
	if _, _, code := cli("compare", "--chart", charts, fixOld, "/nonexistent-concbench"); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if _, err := os.Stat(charts); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("chart directory made before the inputs were checked: %v", err)
	}
}
