package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"concbench/workload"
)

// TestDataFilesRemoved: the process that created a trial removes its data
// files however the trial ends (issue 11, item 4).
func TestDataFilesRemoved(t *testing.T) {
	slowFile := Spec{Model: "sequential", Workload: "io-file", Tasks: 1_000_000, Params: workload.Params{FileSize: 1 << 20, Files: 2}}
	tests := []struct {
		name   string
		run    func(ctx context.Context, s Spec) (*Result, error)
		cancel time.Duration // 0: run to the end
	}{
		{"isolated, finished", RunIsolated, 0},
		{"isolated, cancelled mid-trial", RunIsolated, 400 * time.Millisecond},
		{"in-process, cancelled mid-trial", Run, 400 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Setenv("TMPDIR", tmp)
			s := slowFile
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel > 0 {
				time.AfterFunc(tt.cancel, cancel)
			} else {
				s.Tasks = 50
			}
			_, err := tt.run(ctx, s)
			if (tt.cancel == 0) != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if ents, _ := os.ReadDir(tmp); len(ents) != 0 {
				t.Errorf("left in TMPDIR: %v", ents)
			}
		})
	}
}

// TestStaleDataDirs: a data directory whose creator is gone (killed with
// SIGKILL, so it could not clean up) is removed by the next trial; one of
// a live process is kept.
func TestStaleDataDirs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(tmp, dataDirPattern+strconv.Itoa(dead.Process.Pid)+"-1")
	live := filepath.Join(tmp, dataDirPattern+strconv.Itoa(os.Getppid())+"-1")
	for _, d := range []string{stale, live} {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := makeDataDir()
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale data dir of dead PID %d kept: %v", dead.Process.Pid, err)
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("data dir of a live process removed: %v", err)
	}
}
