package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
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
