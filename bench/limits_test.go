package bench

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"concbench/resultfmt"
	"concbench/workload"
)

// TestLimits: each setting's range is checked before any trial runs, with
// one message naming the flag and what is allowed (issue 11, items 7, 9).
func TestLimits(t *testing.T) {
	base := Spec{Model: "multiproc", Workload: "noop", Tasks: 1}
	tests := []struct {
		name  string
		edit  func(*Spec)
		force bool
		want  string // "" = accepted
	}{
		{"depth 64", func(s *Spec) { s.Config.Depth = 64 }, false, ""},
		{"depth 65", func(s *Spec) { s.Config.Depth = 65 }, false, "--depth 65 out of range (allowed 0..64"},
		{"timeout 24h", func(s *Spec) { s.Timeout = 24 * time.Hour }, false, ""},
		{"timeout overflow", func(s *Spec) { s.Timeout = 2562047 * time.Hour }, false, "--timeout 2562047h0m0s out of range (allowed 0..24h0m0s"},
		{"processes within bound", func(s *Spec) { s.Config.Concurrency = MaxProcesses() }, false, ""},
		{"fork bomb", func(s *Spec) { s.Config.Concurrency = 1_000_000 }, false, "would start 1000000 worker processes (allowed 1.."},
		{"forced", func(s *Spec) { s.Config.Concurrency = MaxProcesses() + 1 }, true, ""},
		{"goroutines are not processes", func(s *Spec) { s.Model, s.Config.Concurrency = "goroutines", 1_000_000 }, false, ""},
		{"files beyond free space", func(s *Spec) {
			s.Workload = "io-file"
			s.Params = workload.Params{Files: 1024, FileSize: 4 << 30}
		}, false, "needs 1024 data files x 4294967296 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base
			tt.edit(&s)
			err := ValidateSpec(&s)
			if err == nil {
				err = CheckMachine(s, tt.force)
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrUsage)):
				t.Fatalf("err = %v, want a usage error containing %q", err, tt.want)
			}
		})
	}
}

// TestLoadSuiteCaps: a suite file is read up to a cap (a symlink to
// /dev/zero must not eat the memory).
func TestLoadSuiteCaps(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, []byte(strings.Repeat(" ", resultfmt.MaxSuiteBytes+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	zero := filepath.Join(dir, "zero.json")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{big, zero} {
		_, err := LoadSuite(f)
		if !errors.Is(err, ErrBadSuite) || !strings.Contains(err.Error(), "larger than 1 MiB, the limit for suite files") {
			t.Errorf("LoadSuite(%s) = %v, want the size cap", f, err)
		}
	}
}

// TestSuiteCellCap: a suite whose matrix would expand into more than
// MaxCells specs is refused before it is expanded.
func TestSuiteCellCap(t *testing.T) {
	tasks := make([]string, 400)
	for i := range tasks {
		tasks[i] = strconv.Itoa(i + 1)
	}
	js := `{"name":"big","experiments":[{"tag":"x","workloads":["noop"],"tasks":[` + strings.Join(tasks, ",") + `],"concurrency":[` + strings.Join(tasks, ",") + `]}]}`
	_, err := ParseSuite(strings.NewReader(js))
	if err == nil || !strings.Contains(err.Error(), "cells (allowed 1..100000)") {
		t.Fatalf("err = %v, want the cell cap", err)
	}
}

// FuzzSuite feeds mutated suite files to the parser and the checks that
// run before a sweep: they may refuse a file, never panic. Seeds are in
// testdata/fuzz/FuzzSuite; `go test -fuzz FuzzSuite -fuzztime 30s ./bench`
// explores further.
func FuzzSuite(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > resultfmt.MaxSuiteBytes {
			return
		}
		s, err := ParseSuite(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, c := range s.Cells() {
			_ = CheckMachine(c, false)
		}
		if len(SweepOrder(len(s.Cells()), s.Repeats, s.Seed)) != len(s.Cells())*s.Repeats {
			t.Fatal("sweep order lost jobs")
		}
	})
}
