package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"concbench/resultfmt"
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
	trailing := filepath.Join(dir, "trailing.json")
	os.WriteFile(trailing, []byte(`{"name":"t","experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]} and more`), 0o644)
	huge := filepath.Join(dir, "huge.json")
	os.WriteFile(huge, []byte(`{"name":"h","experiments":[{"tag":"x","workloads":["noop"],"models":["pool"],"loads":["open:1e7"],"open_seconds":3600}]}`), 0o644)
	zeroSuite := filepath.Join(dir, "zero-suite.json")
	os.Symlink("/dev/zero", zeroSuite)
	zeroResults := filepath.Join(dir, "zero-results")
	os.MkdirAll(zeroResults, 0o755)
	os.Symlink("/dev/zero", filepath.Join(zeroResults, "results.json"))
	aFile := filepath.Join(dir, "a-file")
	os.WriteFile(aFile, nil, 0o644)
	tests := []struct {
		args []string
		want string
	}{
		// issue 11, items 5, 6, 8, 10: refused before any trial runs.
		{[]string{"sweep", "--suite", trailing, "--out", dir}, "text after the closing brace"},
		{[]string{"sweep", "--suite", huge, "--out", dir}, "cell x/noop/pool/open:1e7/n=36000000000: --tasks 36000000000 out of range"},
		{[]string{"sweep", "--suite", zeroSuite, "--out", dir}, "larger than 1 MiB, the limit for suite files"},
		{[]string{"sweep", "--suite", "quick", "--out", filepath.Join(aFile, "out")}, "cannot create output directory"},
		{[]string{"sweep", "--suite", "quick", "--out", "/proc/self/out"}, "--out /proc/self/out"},
		// Issue 22: refused at its first byte, not after reading 256 MiB.
		{[]string{"report", zeroResults}, "results.json is not valid JSON: starts with byte 0x00, not '{'"},
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
	t.Setenv("COLUMNS", "100")
	stdout, errs, code = cli("report", out)
	if code != 0 {
		t.Fatalf("report exit %d: %s", code, errs)
	}
	if w := widest(stdout); w > 100 {
		t.Errorf("report in 100 columns printed a line of %d:\n%s", w, stdout)
	}
	wide, _, _ := cli("report", "--wide", out)
	if widest(wide) <= 100 || !strings.Contains(wide, "CPU µs/task") || strings.Contains(stdout, "CPU µs/task") && widest(stdout) == widest(wide) {
		t.Errorf("report --wide did not print every column:\n%s", wide)
	}
	for _, f := range []string{"REPORT.md", "report.html", "throughput.png", "throughput.svg", "results.json.gz", "results.csv"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	if !strings.Contains(stdout, "chart blocking not drawn") {
		t.Errorf("report does not say which charts are missing:\n%s", stdout)
	}
}

// TestSweepFailedTrialsExit1: a sweep whose trials fail exits 1 as run
// does, with what ran written and marked incomplete (issue 11, item 6).
func TestSweepFailedTrialsExit1(t *testing.T) {
	dir := t.TempDir()
	suite := filepath.Join(dir, "fail.json")
	// A Net step to a server that answers after 2s, with a 1s trial
	// timeout: every trial fails, none is refused up front.
	os.WriteFile(suite, []byte(`{"name":"fail","repeats":1,"timeout":"1s","experiments":[
		{"tag":"throughput","workloads":["io-net"],"models":["sequential"],"tasks":[1],"params":{"net_delay":"2s"}}]}`), 0o644)
	out := filepath.Join(dir, "res")
	stdout, errs, code := cli("sweep", "--suite", suite, "--out", out, "--in-process", "--no-warmup")
	if code != 1 {
		t.Fatalf("exit %d, want 1: %s", code, errs)
	}
	if !strings.Contains(stdout, "INCOMPLETE") || !strings.Contains(errs, "some trials failed") {
		t.Errorf("stdout %q stderr %q", stdout, errs)
	}
	f, err := resultfmt.ReadFile(filepath.Join(out, resultfmt.ResultsFile))
	if err != nil || f.Complete || !strings.Contains(strings.Join(f.Notes, "\n"), "no trial ran") {
		t.Errorf("%s: %v %+v", resultfmt.ResultsFile, err, f)
	}
}
