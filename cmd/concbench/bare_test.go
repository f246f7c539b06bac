package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/internal/child"
)

// TestZeroAndEnvRefusedUpFront (issue 22, defects 8 and 12): `run
// --timeout 0` once meant 10 minutes without a word; a malformed
// CONCBENCH_SERVER once started a trial child per model and printed
// "usage: usage: …" (io-sleep, without Net steps, failed too). Both are
// one line of bad input before anything runs, for run and sweep.
func TestZeroAndEnvRefusedUpFront(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	t.Run("timeout 0", func(t *testing.T) {
		wantUsage(t, []string{"run", "--model", "pool", "--tasks", "10", "--timeout", "0"}, "--timeout 0 out of range (allowed 0 < timeout <= 24h")
	})
	t.Setenv("CONCBENCH_SERVER", "junk")
	for _, args := range [][]string{
		{"run", "--model", "pool", "--workload", "io-sleep", "--tasks", "10"},
		{"run", "--model", "pool", "--workload", "io-net", "--tasks", "10"},
		{"sweep", "--suite", "quick", "--out", out},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			wantUsage(t, args, `CONCBENCH_SERVER="junk": want host:port`)
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("sweep made its output directory before refusing: %v", err)
	}
}

// TestFlagsAnyOrder (issue 22): the same flags in another order give the
// same result shape, and a flag after an argument is read as a flag on
// every subcommand (here: the argument is refused by name, the flag is
// not taken for an argument).
func TestFlagsAnyOrder(t *testing.T) {
	shape := func(args ...string) []string {
		t.Helper()
		out, errs, code := cli(args...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", args, code, errs)
		}
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k, v := range doc {
			keys = append(keys, k)
			if l, ok := v.([]any); ok {
				keys = append(keys, k+"#"+string(rune('0'+len(l))))
			}
		}
		sort.Strings(keys)
		return keys
	}
	a := shape("run", "--workload", "cpu-hash", "--tasks", "100", "--model", "pool", "--json", "--in-process", "--units", "10")
	b := shape("run", "--model", "pool", "--workload", "cpu-hash", "--tasks", "100", "--json", "--units", "10", "--in-process")
	if !reflect.DeepEqual(a, b) {
		t.Errorf("shapes differ: %v vs %v", a, b)
	}
	wantUsage(t, []string{"sweep", "stray", "--print"}, `sweep: unexpected argument "stray"`)
}

// TestRemoteServerWarningOnlyWithNetSteps (issue 22, defect 12): with
// CONCBENCH_SERVER set, a run whose workload has no Net steps neither
// warns that Net steps used that server nor records it.
func TestRemoteServerWarningOnlyWithNetSteps(t *testing.T) {
	t.Setenv("CONCBENCH_SERVER", "127.0.0.1:9")
	out, errs, code := cli("run", "--model", "sequential", "--workload", "io-sleep", "--tasks", "5", "--in-process", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(errs, "Net steps used the latency server") || strings.Contains(out, "127.0.0.1:9") {
		t.Errorf("io-sleep run names the remote server: stderr %q", errs)
	}
}

// TestProbeInterrupted (issue 22, defect 4): Ctrl-C, SIGTERM or SIGHUP
// while `list` probes a hung interpreter (a wrapper that forked a child
// holding its stdout) exits 130 at once and leaves neither the wrapper
// nor its child. Before, SIGINT was ignored until the 15 s probe timeout,
// the child's stdout held the probe 40 s, and the exit was 2.
func TestProbeInterrupted(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			py, pidFile := filepath.Join(dir, "python3"), filepath.Join(dir, "pids")
			script := "#!/bin/sh\necho $$ > " + pidFile + ".tmp\nsleep 60 &\necho $! >> " + pidFile + ".tmp\nmv " + pidFile + ".tmp " + pidFile + "\nexec sleep 60\n"
			if err := os.WriteFile(py, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd, err := child.Command(ctx, "cli", []string{"CONCBENCH_CLI_ARGS=list", "CONCBENCH_PYTHON=" + py})
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			var pids []int
			for deadline := time.Now().Add(20 * time.Second); len(pids) < 2; time.Sleep(10 * time.Millisecond) {
				if b, err := os.ReadFile(pidFile); err == nil {
					for _, f := range strings.Fields(string(b)) {
						p, _ := strconv.Atoi(f)
						pids = append(pids, p)
					}
				}
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("the probe never ran the interpreter; stderr %q", stderr.String())
				}
			}
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			_ = cmd.Wait()
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Errorf("exit %d, want 130; stderr %q", code, stderr.String())
			}
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				var left []int
				for _, p := range pids {
					if alive(p) {
						left = append(left, p)
					}
				}
				if len(left) == 0 {
					break
				}
				if time.Now().After(deadline) {
					for _, p := range left {
						syscall.Kill(p, syscall.SIGKILL)
					}
					t.Fatalf("probed processes left behind: %v", left)
				}
			}
		})
	}
}
