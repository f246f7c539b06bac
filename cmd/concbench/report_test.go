package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportAcrossMachines merges two results directories (the compare
// fixtures stand in for two machines) into one labelled report.
func TestReportAcrossMachines(t *testing.T) {
	out := t.TempDir()
	newDir := filepath.Dir(fixNew)
	stdout, errs, code := cli("report", "--out", out, "--label", "laptop,server", fixOld, newDir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"machine laptop:", "machine server:", "goroutines @ laptop", "goroutines @ server"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "REPORT.md"))
	if err != nil || !strings.Contains(string(md), "### server (suite `fixture`") {
		t.Errorf("REPORT.md does not list the server machine (%v)", err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"report", fixOld, newDir}, "2 results directories need --out DIR"},
		{[]string{"report", "--out", out, "--label", "a", fixOld, newDir}, "--label has 1 labels for 2 results directories"},
		{[]string{"report", "--out", out, "--label", "a,a", fixOld, newDir}, `label "a" is given twice`},
		{[]string{"report", "--out", out}, "want one results directory"},
	} {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) { wantUsage(t, tt.args, tt.want) })
	}
}
