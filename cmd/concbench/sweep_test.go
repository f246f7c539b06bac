package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSweepReportBadInput(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt")
	os.MkdirAll(corrupt, 0o755)
	os.WriteFile(filepath.Join(corrupt, "results.json"), []byte("{oops"), 0o644)
	old := filepath.Join(dir, "old")
	os.MkdirAll(old, 0o755)
	os.WriteFile(filepath.Join(old, "results.json"), []byte(`{"schema":0}`), 0o644)
	badSuite := filepath.Join(dir, "bad.json")
	os.WriteFile(badSuite, []byte(`{"name":"b","experiments":[{"tag":"x","workloads":["noop"],"tasks":[-3]}]}`), 0o644)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "--suite", "nosuch", "--out", dir}, `unknown suite "nosuch": not a built-in suite (allowed: default, quick)`},
		{[]string{"sweep", "--suite", badSuite, "--out", dir}, "tasks -3 out of range"},
		{[]string{"sweep", "--suite", "quick"}, "--out DIR is required"},
		{[]string{"sweep", "--suite", "quick", "--out", dir, "--repeat", "-1"}, "--repeat -1 out of range"},
		{[]string{"sweep", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"report"}, "want one results directory"},
		{[]string{"report", filepath.Join(dir, "missing")}, "results.json does not exist"},
		{[]string{"report", corrupt}, "results.json is not valid JSON"},
		{[]string{"report", old}, "has schema version 0; this concbench reads versions 1 and 2"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) { wantUsage(t, tt.args, tt.want) })
	}
}

func TestSweepThenReport(t *testing.T) {
	dir := t.TempDir()
	suite := filepath.Join(dir, "tiny.json")
	os.WriteFile(suite, []byte(`{"name":"tiny","repeats":1,"experiments":[
		{"tag":"throughput","workloads":["noop","cpu-hash"],"models":["sequential","pool"],"tasks":[20],"params":{"units":50}}]}`), 0o644)
	out := filepath.Join(dir, "res")
	stdout, errs, code := cli("sweep", "--suite", suite, "--out", out, "--in-process")
	if code != 0 {
		t.Fatalf("sweep exit %d: %s", code, errs)
	}
	if !strings.Contains(stdout, "4 trials") {
		t.Errorf("sweep stdout %q", stdout)
	}
	stdout, errs, code = cli("report", out)
	if code != 0 {
		t.Fatalf("report exit %d: %s", code, errs)
	}
	for _, f := range []string{"REPORT.md", "throughput.png", "throughput.svg", "results.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stdout, "chart blocking not drawn") {
		t.Errorf("report does not say which charts are missing:\n%s", stdout)
	}
}
