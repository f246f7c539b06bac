package resultfmt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleFile() *File {
	spec := Spec{Model: "eventloop", Workload: "blocking-mistake", Tasks: 3, Load: "open:100"}
	return &File{Suite: "t", Complete: true, Trials: []Result{{
		Spec: spec, Completed: 3, Makespan: 0.123456789123, Throughput: 24.3000000001,
		Latency:  Dist{P50: 10.123456789, P99: 110.98765432},
		Timeline: []Sample{{T: 20.0004567, Cores: 0.98765432, RSS: 1 << 20}},
		Series:   []Point{{Task: 1, Arrive: 10.0001234, Latency: 10.2345678}, {Task: 2, Arrive: 20.5, Latency: 110.00049, Blocking: true}},
		Extra:    map[string]float64{"x": 1.23456789},
	}}}
}

// TestGzipRoundTrip: WriteResults writes results.json.gz (gzip), removes an
// old results.json, and ReadFile reads it back by either name, with the
// floats rounded and nothing else changed.
func TestGzipRoundTrip(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "results.json")
	if err := os.WriteFile(old, []byte(`{"schema":1,"suite":"stale"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f := sampleFile()
	if err := WriteResults(dir, f); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the old results.json was left beside results.json.gz: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil || !bytes.HasPrefix(raw, []byte{0x1f, 0x8b}) {
		t.Fatalf("%s is not gzip: %v", ResultsFile, err)
	}
	for _, name := range []string{"results.json", ResultsFile} {
		g, err := ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		r := g.Trials[0]
		if g.Suite != "t" || r.Spec.Model != "eventloop" || len(r.Series) != 2 || !r.Series[1].Blocking {
			t.Errorf("read back %+v", g)
		}
		if r.Makespan != 0.1234568 || r.Latency.P99 != 110.9877 || r.Series[0].Arrive != 10 || r.Series[0].Latency != 10.235 ||
			r.Timeline[0].T != 20 || r.Timeline[0].Cores != 0.988 || r.Extra["x"] != 1.234568 || r.Throughput != 24.3 {
			t.Errorf("floats not rounded as documented: %+v", r)
		}
	}
	if f.Trials[0].Makespan != 0.123456789123 || f.Trials[0].Series[0].Latency != 10.2345678 {
		t.Error("Write rounded the caller's File")
	}
}

// TestPlainJSONStillRead: a results.json written by an older version (or
// by Write to a .json path) is read as before, also when asked for .gz.
func TestPlainJSONStillRead(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "results.json")
	if err := sampleFile().Write(p); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{p, p + GzipExt} {
		g, err := ReadFile(name)
		if err != nil || g.Trials[0].Makespan != 0.123456789123 {
			t.Errorf("read %s: %v", name, err)
		}
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "results.json")); !errors.Is(err, ErrBadResults) || !strings.Contains(err.Error(), "results.json.gz") {
		t.Errorf("a missing file: %v", err)
	}
	bad := filepath.Join(dir, "bad.json.gz")
	if err := os.WriteFile(bad, []byte{0x1f, 0x8b, 0, 1, 2}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(bad); !errors.Is(err, ErrBadResults) || strings.Contains(err.Error(), "\n") {
		t.Errorf("corrupt gzip: %v", err)
	}
}
