package report

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// snapshot reads every file of dir by name.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// TestReportAllOrNothing: a disk that fills up while the report is written
// (the writer fails on the k-th file) leaves the previous report exactly
// as it was, without temporary files; the next report replaces the whole
// set (issue 22, defect 14).
func TestReportAllOrNothing(t *testing.T) {
	f := fixtureFile()
	dir := writeResults(t, f)
	if _, err := GenerateContext(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	f.Suite = "second-run"
	if err := f.Write(filepath.Join(dir, "results.json")); err != nil {
		t.Fatal(err)
	}
	withResults := snapshot(t, dir)
	staged := stageFile
	t.Cleanup(func() { stageFile = staged })
	for _, k := range []int{1, 5, len(before) - 2} {
		calls := 0
		stageFile = func(path string, data []byte) (string, error) {
			if calls++; calls == k {
				return "", &os.PathError{Op: "write", Path: path, Err: syscall.ENOSPC}
			}
			return staged(path, data)
		}
		_, err := GenerateContext(context.Background(), dir, nil)
		if !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("failing file %d: err = %v, want ENOSPC", k, err)
		}
		if got := snapshot(t, dir); !maps.Equal(got, withResults) {
			for name := range got {
				if got[name] != withResults[name] {
					t.Errorf("failing file %d: %s changed or appeared", k, name)
				}
			}
			t.Fatalf("failing file %d: the report directory changed", k)
		}
	}
	stageFile = staged
	if _, err := GenerateContext(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, dir)
	if len(after) != len(before) || !strings.Contains(after["REPORT.md"], "second-run") || !strings.Contains(after[HTMLFile], "second-run") {
		t.Errorf("the next report did not replace the whole set (%d files, was %d)", len(after), len(before))
	}
}
