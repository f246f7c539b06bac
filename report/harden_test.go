package report

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/plot"

	"concbench/resultfmt"
)

// writeResults writes f as dir/results.json (no other file).
func writeResults(t testing.TB, f *resultfmt.File) string {
	t.Helper()
	dir := t.TempDir()
	if err := f.Write(filepath.Join(dir, "results.json")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// onlyResults fails unless dir holds results.json and nothing else: no
// chart, no REPORT.md, no temporary file.
func onlyResults(t *testing.T, dir string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"results.json"}) {
		t.Errorf("report directory holds %v, want results.json only", names)
	}
}

// TestBadNumbers: a results file with a number no chart or table can show
// is refused in one line naming the trial and the field, before anything
// is written (issue 11, items 1 and 2).
func TestBadNumbers(t *testing.T) {
	first := func(f *resultfmt.File) *resultfmt.Result { return &f.Trials[0] }
	timeline := func(f *resultfmt.File) *resultfmt.Result {
		for i := range f.Trials {
			if len(f.Trials[i].Timeline) > 1 {
				return &f.Trials[i]
			}
		}
		panic("fixture has no timeline")
	}
	tests := []struct {
		name string
		edit func(*resultfmt.File)
		want string
	}{
		{"makespan 0 on a log axis", func(f *resultfmt.File) { first(f).Makespan = 0 }, "makespan_s 0 out of range (allowed 0 < x"},
		{"makespan -1", func(f *resultfmt.File) { first(f).Makespan = -1 }, "makespan_s -1 out of range"},
		{"throughput 1.7e308", func(f *resultfmt.File) { first(f).Throughput = 1.7e308 }, "throughput_per_s 1.7e+308 out of range"},
		{"negative throughput", func(f *resultfmt.File) { first(f).Throughput = -3 }, "throughput_per_s -3 out of range"},
		{"negative CPU", func(f *resultfmt.File) { first(f).CPUUser = -1 }, "cpu_user_s -1 out of range"},
		{"zero p99 latency", func(f *resultfmt.File) { first(f).Latency.P99 = 0 }, "latency.p99_ms 0 out of range"},
		{"timeline 1e308 cores", func(f *resultfmt.File) { timeline(f).Timeline[1].Cores = 1e308 }, "timeline[1].cores 1e+308 out of range"},
		{"completed beyond tasks", func(f *resultfmt.File) { first(f).Completed = int64(first(f).Tasks) + 1 }, "completed"},
		{"open rate", func(f *resultfmt.File) { first(f).Spec.Load = "open:-4" }, `spec.load: load "open:-4": rate must be a number of tasks/s in (0, 1e+07]`},
		{"absurd cores", func(f *resultfmt.File) { f.Meta.Cores = 1 << 30 }, "meta: cores 1.073741824e+09 out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixtureFile()
			tt.edit(f)
			dir := writeResults(t, f)
			done := make(chan error, 1)
			go func() { _, err := GenerateContext(context.Background(), dir, nil); done <- err }()
			var err error
			select {
			case err = <-done:
			case <-time.After(time.Minute):
				t.Fatal("report hangs")
			}
			if !errors.Is(err, resultfmt.ErrBadResults) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v, want one bad-results line containing %q", err, tt.want)
			}
			onlyResults(t, dir)
		})
	}
}

// TestDrawableGuard: whatever gets past validation, a plot whose axis a
// rasteriser cannot draw is an error, not a panic or a hang.
func TestDrawableGuard(t *testing.T) {
	tests := []struct {
		name   string
		lo, hi float64
		log    bool
	}{
		{"log axis from 0", 0, 10, true},
		{"infinite", 0, math.Inf(1), false},
		{"NaN", math.NaN(), 1, false},
		{"beyond any chart", 0, 1e300, false},
	}
	for _, tt := range tests {
		p := plot.New()
		p.Y.Min, p.Y.Max = tt.lo, tt.hi
		if tt.log {
			p.Y.Scale = plot.LogScale{}
		}
		fig := single("guard", p)
		if _, err := fig.render(); !errors.Is(err, resultfmt.ErrBadResults) {
			t.Errorf("%s: render err = %v, want ErrBadResults", tt.name, err)
		}
	}
}

// TestGenerateInterrupted: a report stopped by Ctrl-C returns the context's
// error and leaves no file behind (issue 11, item 2).
func TestGenerateInterrupted(t *testing.T) {
	dir := writeResults(t, fixtureFile())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := GenerateContext(ctx, dir, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	onlyResults(t, dir)
}

// FuzzReport feeds mutated results files to the report: it may refuse
// them, but never panic (a recovered panic is errInternal) or hang. Seeds
// are in testdata/fuzz/FuzzReport (a small valid file and the issue 11
// reproductions); `go test -fuzz FuzzReport -fuzztime 30s ./report`
// explores further.
func FuzzReport(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "results.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		_, err := GenerateContext(ctx, dir, nil)
		if errors.Is(err, errInternal) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("report on a fuzzed results file: %v", err)
		}
	})
}
