package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/internal/child"
	"concbench/resultfmt"
)

// descendants lists every live descendant of pid.
func descendants(pid int) []int {
	var out []int
	for _, c := range childrenOf(pid) {
		out = append(out, c)
		out = append(out, descendants(c)...)
	}
	return out
}

// dataFilesIn reports whether tmp holds a data directory with a data file.
func dataFilesIn(tmp string) bool {
	m, _ := filepath.Glob(filepath.Join(tmp, "concbench-files-*", "concbench-data-*.bin"))
	return len(m) > 0
}

// sigCase is one cell of the signal matrix.
type sigCase struct {
	name   string
	args   string // the CLI's arguments (%T is the test's temp dir)
	target string // "top": the CLI process; "child": its trial child; "group": its whole process group, as a closed terminal sends SIGHUP
	sig    syscall.Signal
	when   string // "start": at once; "trial": once a trial's data files exist
	codes  []int  // allowed exit statuses; -1: killed by the signal
	// sweepOut is the sweep's output directory, whose results.json must
	// be whole (if written); reportDir the report's directory.
	sweepOut, reportDir bool
	// written requires the sweep's (partial) results to exist.
	written bool
	// thenInterrupt sends SIGINT to the top process once a new trial
	// child replaced the signalled one.
	thenInterrupt bool
}

// Arguments of the matrix: long io-file trials (open load, so they last
// while keeping few tasks) whose data files must not outlive any exit.
const (
	runArgs    = "run --model sequential --workload io-file --file-size 1048576 --files 2 --tasks 20000 --load open:1000"
	suiteJSON  = `{"name":"sig","repeats":1,"experiments":[{"tag":"throughput","workloads":["io-file"],"models":["sequential","goroutines"],"loads":["open:1000"],"open_seconds":20,"params":{"file_size":1048576,"files":2}}]}`
	sweepArgs  = "sweep --no-warmup --suite %T/suite.json --out %T/out"
	reportArgs = "report --quiet %T/out"
)

// TestSignalMatrix sends SIGINT, SIGTERM, SIGHUP and SIGKILL to the top
// process and to the trial child, at start-up and mid-trial, for run, sweep
// and report (issue 11), and SIGHUP to the whole process group as a closed
// terminal or SSH session does (issue 22, defect 6). Every case: the documented exit status, no process
// left behind (zombies awaiting init do not count), no file left in
// TMPDIR (a per-test one), results files whole.
func TestSignalMatrix(t *testing.T) {
	var cases []sigCase
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGKILL} {
		top := []int{130}
		if sig == syscall.SIGKILL {
			top = []int{-1}
		}
		name := strings.ToUpper(sig.String())
		cases = append(cases,
			sigCase{name: "run/top/start/" + name, args: runArgs, target: "top", sig: sig, when: "start", codes: top},
			sigCase{name: "run/top/trial/" + name, args: runArgs, target: "top", sig: sig, when: "trial", codes: top},
			// A trial child stopped by a signal is a failed trial: exit 1.
			sigCase{name: "run/child/trial/" + name, args: runArgs, target: "child", sig: sig, when: "trial", codes: []int{1}},
			sigCase{name: "sweep/top/trial/" + name, args: sweepArgs, target: "top", sig: sig, when: "trial", codes: top, sweepOut: true},
			sigCase{name: "report/top/start/" + name, args: reportArgs, target: "top", sig: sig, when: "start", codes: append([]int{0}, top...), reportDir: true},
		)
	}
	// A closed terminal: SIGHUP to the CLI and its trial child at once.
	// Before issue 22 the run exited 129 leaving its data directory and the
	// sweep wrote nothing.
	cases = append(cases,
		sigCase{name: "run/group/trial/SIGHUP", args: runArgs, target: "group", sig: syscall.SIGHUP, when: "trial", codes: []int{130}},
		sigCase{name: "sweep/group/trial/SIGHUP", args: sweepArgs, target: "group", sig: syscall.SIGHUP, when: "trial", codes: []int{130}, sweepOut: true, written: true},
	)
	// A sweep goes on after a failed trial (its next cell starts); then
	// Ctrl-C: exit 130 with the failure and the interruption written.
	cases = append(cases, sigCase{name: "sweep/child/trial/KILLED", args: sweepArgs, target: "child", sig: syscall.SIGKILL, when: "trial", codes: []int{130}, sweepOut: true, thenInterrupt: true})
	fixture, err := os.ReadFile(filepath.Join("..", "..", "report", "testdata", "fixture", "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir() // TMPDIR of the CLI: must end empty
			work := t.TempDir()
			os.WriteFile(filepath.Join(work, "suite.json"), []byte(suiteJSON), 0o644)
			if tc.reportDir {
				os.MkdirAll(filepath.Join(work, "out"), 0o755)
				os.WriteFile(filepath.Join(work, "out", "results.json"), fixture, 0o644)
			}
			runSignalCase(t, tc, tmp, work)
		})
	}
}

func runSignalCase(t *testing.T, tc sigCase, tmp, work string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	args := strings.ReplaceAll(tc.args, "%T", work)
	ready := filepath.Join(work, "cli-ready")
	cmd, err := child.Command(ctx, "cli", []string{"CONCBENCH_CLI_ARGS=" + args, "TMPDIR=" + tmp, "CONCBENCH_CLI_READY=" + ready})
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if tc.target == "group" {
		cmd.SysProcAttr.Setpgid = true // its own group, so the signal spares the test
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	top := cmd.Process.Pid
	seen := map[int]bool{}
	watch := func() {
		for _, p := range descendants(top) {
			seen[p] = true
		}
	}
	target := top
	if tc.when == "trial" {
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			watch()
			if dataFilesIn(tmp) && len(childrenOf(top)) > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no trial with data files started; stderr %q", stderr.String())
			}
		}
		time.Sleep(100 * time.Millisecond) // well inside the trial
		watch()
		if tc.target == "child" {
			target = childrenOf(top)[0]
		}
	} else {
		// Start-up: the CLI is running (past the runtime's start, when a
		// signal still has its default action: it says so by creating
		// the ready file) but has started no trial; a report is drawing
		// its charts.
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(2 * time.Millisecond) {
			if _, err := os.Stat(ready); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the CLI never got past start-up; stderr %q", stderr.String())
			}
		}
		for deadline := time.Now().Add(300 * time.Millisecond); time.Now().Before(deadline) && len(childrenOf(top)) == 0; time.Sleep(5 * time.Millisecond) {
		}
		watch()
	}
	if tc.target == "group" {
		target = -top
	}
	if err := syscall.Kill(target, tc.sig); err != nil {
		t.Fatal(err)
	}
	if tc.thenInterrupt {
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			watch()
			if kids := childrenOf(top); len(kids) > 0 && kids[0] != target && dataFilesIn(tmp) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the sweep started no next trial; stderr %q", stderr.String())
			}
		}
		if err := syscall.Kill(top, syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	}
	_ = cmd.Wait()
	code := cmd.ProcessState.ExitCode()
	ok := false
	for _, c := range tc.codes {
		ok = ok || c == code
	}
	if !ok {
		t.Errorf("exit status %d, want one of %v; stderr %q", code, tc.codes, stderr.String())
	}
	// No process left: every descendant seen is gone (or a zombie).
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var left []int
		for p := range seen {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("processes left: %v", left)
			break
		}
	}
	// SIGKILL of the top process cannot clean up: the next trial removes
	// the data directory of the dead process.
	if ents, _ := os.ReadDir(tmp); tc.target == "top" && tc.sig == syscall.SIGKILL && len(ents) > 0 {
		next := exec.Command(os.Args[0])
		next.Env = append(os.Environ(), child.EnvRole+"=cli", "TMPDIR="+tmp,
			"CONCBENCH_CLI_ARGS=run --model sequential --workload io-file --file-size 4096 --files 1 --tasks 1")
		if out, err := next.CombinedOutput(); err != nil {
			t.Fatalf("next run: %v: %s", err, out)
		}
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("left in TMPDIR: %v", names)
	}
	if tc.written {
		if _, err := os.Stat(filepath.Join(work, "out", resultfmt.ResultsFile)); err != nil {
			t.Errorf("no partial results written: %v", err)
		}
	}
	if tc.sweepOut {
		checkResultsWhole(t, filepath.Join(work, "out"))
	}
	if tc.reportDir {
		// SIGKILL may stop a write between its temporary file and the
		// rename: the temporary file stays (nothing can run after
		// SIGKILL), but no output is ever half-written.
		checkOutputsWhole(t, filepath.Join(work, "out"), tc.sig == syscall.SIGKILL)
	}
}

// checkResultsWhole: results.json.gz, if written, parses and is marked
// incomplete; no temporary file is left beside it.
func checkResultsWhole(t *testing.T, dir string) {
	t.Helper()
	path := filepath.Join(dir, resultfmt.ResultsFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return
	}
	f, err := resultfmt.ReadFile(path)
	if err != nil {
		t.Fatalf("%s is not whole: %v", resultfmt.ResultsFile, err)
	}
	if f.Complete {
		t.Error("an interrupted sweep's results say complete")
	}
	checkOutputsWhole(t, dir, false)
}

// checkOutputsWhole: every chart whole; no temporary file unless
// tmpAllowed.
func checkOutputsWhole(t *testing.T, dir string, tmpAllowed bool) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		path := filepath.Join(dir, e.Name())
		b, _ := os.ReadFile(path)
		switch {
		case strings.HasPrefix(e.Name(), ".tmp-"):
			if !tmpAllowed {
				t.Errorf("temporary file %s left", e.Name())
			}
		case strings.HasSuffix(e.Name(), ".svg"):
			if err := xml.NewDecoder(bytes.NewReader(b)).Decode(new(struct{})); err != nil {
				t.Errorf("%s is not whole: %v", e.Name(), err)
			}
		case strings.HasSuffix(e.Name(), ".png"):
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Errorf("%s is not whole: %v", e.Name(), err)
			}
		}
	}
}
