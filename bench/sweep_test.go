package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"concbench/resultfmt"
)

func TestSweepOrder(t *testing.T) {
	a := SweepOrder(20, 3, 1)
	if len(a) != 60 {
		t.Fatalf("%d jobs, want 60", len(a))
	}
	seen := map[Job]bool{}
	for i, j := range a {
		if seen[j] {
			t.Fatalf("job %+v twice", j)
		}
		seen[j] = true
		if j.Repeat != i/20 {
			t.Fatalf("job %d is repeat %d: rounds must not interleave", i, j.Repeat)
		}
	}
	if b := SweepOrder(20, 3, 1); !slices.Equal(a, b) {
		t.Error("same seed, different order")
	}
	if c := SweepOrder(20, 3, 2); slices.Equal(a, c) {
		t.Error("different seeds, same order")
	}
	identity := true
	for i := 0; i < 20; i++ {
		identity = identity && a[i].Cell == i
	}
	if identity {
		t.Error("order is not randomised")
	}
	if slices.Equal(a[:20], a[20:40]) {
		t.Error("every round has the same permutation")
	}
}

func tinySuite() *Suite {
	return &Suite{Name: "tiny", Repeats: 2, Experiments: []Experiment{
		{Tag: "t", Workloads: []string{"noop"}, Models: []string{"sequential", "goroutines"}, Tasks: []int{10, 20}},
	}}
}

func TestSweepInProcess(t *testing.T) {
	dir := t.TempDir()
	var starts int
	f, err := Sweep(context.Background(), tinySuite(), SweepOptions{Out: dir, InProcess: true, OnStart: func(done, total int, s Spec) {
		if s.Model != "" {
			starts++
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !f.Complete || len(f.Trials) != 8 || starts != 8 {
		t.Fatalf("complete=%v trials=%d starts=%d, want true 8 8", f.Complete, len(f.Trials), starts)
	}
	got, err := resultfmt.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Complete || len(got.Trials) != 8 || got.Trials[0].Spec.Tag != "t" {
		t.Errorf("written file: complete=%v trials=%d", got.Complete, len(got.Trials))
	}
	csv, err := os.ReadFile(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(csv), "\n"); lines != 9 {
		t.Errorf("results.csv has %d lines, want header + 8", lines)
	}
	if !strings.HasPrefix(string(csv), strings.Join(resultfmt.CSVHeader, ",")) {
		t.Error("results.csv does not start with the header")
	}
}

// TestSweepInterrupted: Ctrl-C keeps what finished, written atomically with
// Complete=false.
func TestSweepInterrupted(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f, err := Sweep(ctx, tinySuite(), SweepOptions{Out: dir, InProcess: true, OnStart: func(done, total int, s Spec) {
		if done == 3 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if f.Complete || len(f.Trials) == 0 || len(f.Trials) >= 8 {
		t.Fatalf("complete=%v trials=%d, want an incomplete partial sweep", f.Complete, len(f.Trials))
	}
	got, err := resultfmt.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Complete || len(got.Trials) != len(f.Trials) {
		t.Errorf("written: complete=%v trials=%d, want false %d", got.Complete, len(got.Trials), len(f.Trials))
	}
	if !slices.ContainsFunc(got.Notes, func(n string) bool { return strings.HasPrefix(n, "interrupted") }) {
		t.Errorf("notes %q do not say the sweep was interrupted", got.Notes)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestSweepSkipsUnavailable(t *testing.T) {
	if r := skipReason(Spec{Model: "no-such-model", Workload: "noop"}); !strings.Contains(r, "no-such-model") {
		t.Errorf("skip reason %q does not name the model", r)
	}
	if r := skipReason(Spec{Model: "sequential", Workload: "no-such-workload"}); !strings.Contains(r, "no-such-workload") {
		t.Errorf("skip reason %q does not name the workload", r)
	}
	if r := skipReason(Spec{Model: "sequential", Workload: "noop"}); r != "" {
		t.Errorf("available cell skipped: %s", r)
	}
}

// TestSweepRefusesBeforeRunning: an output directory that cannot be written
// and a cell the machine cannot hold are found before the first trial, not
// after the whole sweep ran (issue 11, items 5 and 7).
func TestSweepRefusesBeforeRunning(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	forkBomb := tinySuite()
	forkBomb.Experiments = append(forkBomb.Experiments, Experiment{Tag: "t", Workloads: []string{"noop"}, Models: []string{"multiproc"}, Tasks: []int{1}, Concurrency: []int{100_000}})
	tests := []struct {
		name  string
		suite *Suite
		out   string
		want  string
	}{
		{"out under a file", tinySuite(), filepath.Join(file, "out"), "cannot create output directory"},
		{"out in /proc", tinySuite(), "/proc/self/out", "--out /proc/self/out"},
		{"too many processes", forkBomb, dir, "would start 100000 worker processes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			started := 0
			_, err := Sweep(context.Background(), tt.suite, SweepOptions{Out: tt.out, InProcess: true, OnStart: func(_, _ int, s Spec) {
				if s.Model != "" {
					started++
				}
			}})
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a usage error containing %q", err, tt.want)
			}
			if started > 0 {
				t.Errorf("%d trials started before the refusal", started)
			}
		})
	}
}

// TestSweepFailures: a sweep with failed cells writes what ran, marked
// incomplete, and says so with ErrTrialsFailed (exit 1); a sweep that ran
// nothing is never complete (issue 11, item 6).
func TestSweepFailures(t *testing.T) {
	tests := []struct {
		name   string
		models []string
		trials int
	}{
		{"one cell fails", []string{"sequential", "test-fail"}, 2}, // the failed trial is kept, with its error
		{"every cell fails", []string{"test-fail"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := &Suite{Name: "f", Repeats: 1, Experiments: []Experiment{{Tag: "t", Workloads: []string{"noop"}, Models: tt.models, Tasks: []int{5}}}}
			f, err := Sweep(context.Background(), s, SweepOptions{Out: dir, InProcess: true, NoWarmup: true})
			if !errors.Is(err, ErrTrialsFailed) {
				t.Fatalf("err = %v, want ErrTrialsFailed", err)
			}
			got, rerr := resultfmt.ReadFile(filepath.Join(dir, "results.json"))
			if rerr != nil {
				t.Fatal(rerr)
			}
			if got.Complete || f.Complete || len(got.Trials) != tt.trials {
				t.Errorf("complete=%v trials=%d, want false %d", got.Complete, len(got.Trials), tt.trials)
			}
			if ranNothing := slices.Contains(got.Notes, "no trial ran: every cell was skipped or failed"); ranNothing != (len(tt.models) == 1) {
				t.Errorf("notes %q", got.Notes)
			}
		})
	}
}
