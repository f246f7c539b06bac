package runtimes_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/models"
	"concbench/runtimes"
)

// hungInterpreter writes a "python3" that forks a child holding its
// stdout (recording the child's PID in pidFile) and then hangs.
func hungInterpreter(t *testing.T) (path, pidFile string) {
	dir := t.TempDir()
	path, pidFile = filepath.Join(dir, "python3"), filepath.Join(dir, "child.pid")
	script := "#!/bin/sh\nsleep 60 &\necho $! > " + pidFile + "\nexec sleep 60\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, pidFile
}

// childGone waits (bounded) for the recorded child to be gone.
func childGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the probed script did not start its child: %v", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(st), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("the probed program's child %d outlived the probe", pid)
		}
	}
}

// TestProbeHonoursTimeoutAndContext (issue 22, defect 4): a probed
// interpreter that hangs and forks a child holding stdout is ended, with
// its child, by the probe's timeout and by the probe context (the CLI's
// Ctrl-C), and an interrupted probe says so (exit 130 in the CLI) and is
// not cached. Before, the probe waited for the child's stdout (40 s for
// `sleep 40`), ignored Ctrl-C and left the child behind.
func TestProbeHonoursTimeoutAndContext(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		path, pidFile := hungInterpreter(t)
		t.Setenv(runtimes.EnvPython, path)
		defer runtimes.SetProbeTimeout(500 * time.Millisecond)()
		info, _ := models.Lookup("py-asyncio")
		if err := info.Usable(); err == nil || !strings.Contains(err.Error(), "did not answer its probe within 500ms") {
			t.Errorf("hung interpreter: %v", err)
		}
		childGone(t, pidFile)
	})
	t.Run("interrupt", func(t *testing.T) {
		path, pidFile := hungInterpreter(t)
		t.Setenv(runtimes.EnvPython, path)
		ctx, cancel := context.WithCancel(context.Background())
		runtimes.SetProbeContext(ctx)
		defer runtimes.SetProbeContext(context.Background())
		defer cancel()
		go func() {
			for ctx.Err() == nil { // cancel once the script runs (its child recorded)
				if _, err := os.Stat(pidFile); err == nil {
					cancel()
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		info, _ := models.Lookup("py-asyncio")
		if err := info.Usable(); !errors.Is(err, context.Canceled) {
			t.Errorf("interrupted probe: %v, want context.Canceled", err)
		}
		childGone(t, pidFile)
		runtimes.SetProbeContext(context.Background())
		defer runtimes.SetProbeTimeout(300 * time.Millisecond)()
		if err := info.Usable(); errors.Is(err, context.Canceled) {
			t.Errorf("the interrupted probe was cached: %v", err)
		}
	})
}
