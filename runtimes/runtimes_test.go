package runtimes_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"concbench/bench"
	"concbench/internal/child"
	"concbench/models"
	"concbench/resultfmt"
	"concbench/runtimes"
	"concbench/workload"
)

// TestMain lets this test binary act as a trial child or worker process
// and checks for leaked goroutines.
func TestMain(m *testing.M) {
	child.Main()
	goleak.VerifyTestMain(m)
}

// run runs spec in this process and fails the test on error.
func run(t *testing.T, spec bench.Spec) *bench.Result {
	t.Helper()
	res, err := bench.Run(context.Background(), spec)
	if err != nil {
		t.Fatalf("%s/%s: %v", spec.Model, spec.Workload, err)
	}
	return res
}

// trial runs a runtime model directly on a models.Trial, so a test can
// look at the model afterwards (which thread or process ran each task).
func trial(t *testing.T, name, preset string, n int, p workload.Params, cfg models.Config) (*runtimes.Model, *models.Trial) {
	t.Helper()
	info, err := models.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := info.Usable(); err != nil {
		t.Fatalf("%s is unavailable on this machine: %v", name, err)
	}
	tasks, err := workload.Build(preset, n, p)
	if err != nil {
		t.Fatal(err)
	}
	mm, err := info.New(info.Resolve(cfg))
	if err != nil {
		t.Fatal(err)
	}
	m := mm.(*runtimes.Model)
	tr := models.NewTrial(context.Background(), tasks, models.Load{Shape: models.Batch}, workload.Env{}, false)
	t.Cleanup(tr.Close)
	if err := m.Prepare(tr.Context(), tr); err != nil {
		t.Fatal(err)
	}
	// A nonce above 2^63: the runners must carry all 64 bits.
	p.Nonce = 0xfedcba9876543210
	tr.SetNonce(p.Nonce)
	tr.Rec.Reset()
	if err := m.Run(tr.Context(), tr); err != nil {
		t.Fatal(err)
	}
	if _, err := workload.Check(tasks, tr.Rec.Result, p.Fill()); err != nil {
		t.Fatal(err)
	}
	return m, tr
}

// TestKernelDigestsMatchGo runs both CPU kernels in every runtime model
// at several sizes; the harness verifies every task's digest against
// Go's workload.RunCPU, seeded per task, so Python's hashlib, Node's
// crypto and both spin loops must agree with Go bit for bit.
func TestKernelDigestsMatchGo(t *testing.T) {
	for _, name := range runtimes.Names() {
		for _, k := range []workload.Kernel{workload.SHA256, workload.Spin} {
			for _, units := range []uint32{1, 7} {
				res := run(t, bench.Spec{Model: name, Workload: "cpu-hash", Tasks: 12,
					Params: workload.Params{Kernel: k, Units: units}})
				if res.Verified != 12 {
					t.Errorf("%s %v x%d: verified %d of 12", name, k, units, res.Verified)
				}
				if res.RuntimeVersion == "" {
					t.Errorf("%s: the result does not name its runtime", name)
				}
			}
		}
	}
}

// TestProcessesRunInWorkerProcesses: py-processes tasks run in exactly P
// processes, none of them the runner, all of them its pool's.
func TestProcessesRunInWorkerProcesses(t *testing.T) {
	const p = 2
	// The rendezvous makes the two workers' first CPU steps overlap by
	// construction: on a loaded machine (two CPU hogs, a -race build) one
	// worker once ran all its steps before the other was scheduled, "peak
	// concurrent CPU steps 1, want 2" (see TestGILSerialisesThreads).
	defer runtimes.ArmMeet()()
	m, tr := trial(t, "py-processes", "cpu-hash", 40, workload.Params{Units: 300}, models.Config{Concurrency: p})
	ran := map[int32]bool{}
	for _, pid := range m.TaskRunners() {
		ran[pid] = true
	}
	workers := m.WorkerPIDs()
	if len(workers) != p {
		t.Fatalf("pool has %d worker processes %v, want %d", len(workers), workers, p)
	}
	if len(ran) != p {
		t.Errorf("tasks ran in %d processes %v, want %d", len(ran), ran, p)
	}
	for pid := range ran {
		if int(pid) == m.RunnerPID() || !slices.Contains(workers, int(pid)) {
			t.Errorf("a task ran in process %d: not one of the pool's workers %v (runner %d)", pid, workers, m.RunnerPID())
		}
	}
	if got := tr.Rec.PeakCPU(); got != p {
		t.Errorf("peak concurrent CPU steps %d, want %d", got, p)
	}
	if tr.Rec.Inner == nil {
		t.Error("no inner (worker-side) service times")
	}
}

// TestOneThreadModels: the event-loop models and py-sequential run every
// task on the runner's one thread.
func TestOneThreadModels(t *testing.T) {
	for _, name := range []string{"py-sequential", "py-asyncio", "py-uvloop", "node-eventloop"} {
		m, _ := trial(t, name, "cpu-hash", 10, workload.Params{Units: 5}, models.Config{})
		for i, who := range m.TaskRunners() {
			if int(who) != m.RunnerPID() {
				t.Errorf("%s: task %d ran on thread %d, not the runner's main thread %d", name, i, who, m.RunnerPID())
			}
		}
	}
}

// TestGILSerialisesThreads is the GIL lesson by observation: py-threads
// with 2 threads never has two CPU steps running at once, on the
// interpreted spin kernel or on 1 KiB sha256 rounds (hashlib holds the GIL
// below 2 KiB), and its CPU use stays at one core; py-processes and
// node-workers do run two at once.
func TestGILSerialisesThreads(t *testing.T) {
	// Tasks of ~20 ms each (several GIL switch intervals): the second
	// thread takes the GIL mid-task, so both hold a task at once however
	// late a loaded machine schedules it (with ~3 ms tasks, one thread ran
	// all 16 before the other was scheduled under -race with two CPU hogs:
	// "peak in-flight 1, want 2").
	for _, k := range []workload.Kernel{workload.Spin, workload.SHA256} {
		units := uint32(20)
		if k == workload.SHA256 {
			units = 10000
		}
		res := run(t, bench.Spec{Model: "py-threads", Workload: "cpu-hash", Tasks: 16,
			Params: workload.Params{Kernel: k, Units: units}, Config: resultfmt.Config{Concurrency: 2}})
		if res.PeakCPUSteps != 1 {
			t.Errorf("py-threads on %v: peak concurrent CPU steps %d, want 1 (the GIL)", k, res.PeakCPUSteps)
		}
		if res.PeakInflight != 2 {
			t.Errorf("py-threads on %v: peak in-flight %d, want 2 (both threads hold a task)", k, res.PeakInflight)
		}
	}
	// The parallel models' two CPU steps overlap by construction, not by
	// luck of the scheduler: with the rendezvous armed each worker's first step
	// waits, inside its interval, until the other has begun its own. (On
	// a loaded CI machine one worker once ran every step inside its time
	// slices before the other was scheduled: "peak concurrent CPU steps
	// 1, want 2".) Under the GIL the same wait could not make two steps
	// overlap: py-threads is measured without it above.
	defer runtimes.ArmMeet()()
	for _, name := range []string{"py-processes", "node-workers"} {
		res := run(t, bench.Spec{Model: name, Workload: "cpu-hash", Tasks: 16,
			Params: workload.Params{Kernel: workload.Spin, Units: 3}, Config: resultfmt.Config{Concurrency: 2}})
		if res.PeakCPUSteps != 2 {
			t.Errorf("%s on spin: peak concurrent CPU steps %d, want 2", name, res.PeakCPUSteps)
		}
	}
}

// TestBlockingMistake: one task's blocking call stalls every task whose
// sleep ends behind it on an event loop (py-asyncio, py-uvloop,
// node-eventloop), and none on py-threads, where it blocks one thread.
func TestBlockingMistake(t *testing.T) {
	const n = 40
	block := 300 * time.Millisecond
	stalled := func(name string) int {
		res := run(t, bench.Spec{Model: name, Workload: "blocking-mistake", Tasks: n, Series: n,
			Params: workload.Params{Sleep: 20 * time.Millisecond, Block: block, BlockEvery: n}})
		c := 0
		for _, p := range res.Series {
			if !p.Blocking && p.Latency >= float64(block.Milliseconds()) {
				c++
			}
		}
		return c
	}
	for _, name := range []string{"py-asyncio", "py-uvloop", "node-eventloop"} {
		if c := stalled(name); c == 0 {
			t.Errorf("%s: no task stalled behind the blocking call", name)
		}
	}
	if c := stalled("py-threads"); c != 0 {
		t.Errorf("py-threads: %d tasks stalled behind one thread's blocking call", c)
	}
}

// alive reports whether process pid exists (and is not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}

// TestRunnerFaults: a runner that dies, prints garbage or hangs fails the
// trial with a message naming the model and its runtime, and leaves no
// process behind (py-processes' pool workers included).
func TestRunnerFaults(t *testing.T) {
	cases := []struct{ fault, want string }{
		{"run:die", "runner died"},
		{"ready:die", "runner died"},
		{"run:garbage", "unexpected output"},
		{"run:hang", "stopped: trial timed out"},
	}
	for _, name := range []string{"py-asyncio", "py-processes", "node-eventloop"} {
		for _, c := range cases {
			t.Run(name+"/"+c.fault, func(t *testing.T) {
				t.Setenv("CONCBENCH_RUNNER_FAULT", c.fault)
				info, _ := models.Lookup(name)
				mm, err := info.New(info.Resolve(models.Config{}))
				if err != nil {
					t.Fatal(err)
				}
				m := mm.(*runtimes.Model)
				tasks, _ := workload.Build("io-sleep", 20, workload.Params{Sleep: 5 * time.Millisecond})
				ctx, cancel := context.WithTimeoutCause(context.Background(), 3*time.Second, fmt.Errorf("trial timed out"))
				defer cancel()
				tr := models.NewTrial(ctx, tasks, models.Load{Shape: models.Batch}, workload.Env{}, false)
				defer tr.Close()
				err = m.Prepare(tr.Context(), tr)
				pids := tr.AllPIDs()
				if err == nil {
					err = m.Run(tr.Context(), tr)
				}
				if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), name+" (") {
					t.Fatalf("err = %v, want one naming %s and its runtime, containing %q", err, name, c.want)
				}
				t.Logf("processes %v; error: %v", pids, err)
				if len(pids) == 0 {
					t.Fatal("no runner process was registered")
				}
				deadline := time.Now().Add(3 * time.Second)
				for _, pid := range pids {
					for alive(pid) && time.Now().Before(deadline) {
						time.Sleep(10 * time.Millisecond)
					}
					if alive(pid) {
						t.Errorf("process %d outlived the failed trial", pid)
					}
				}
				if live := tr.LivePIDs(); len(live) != 0 {
					t.Errorf("processes still registered: %v", live)
				}
			})
		}
	}
}

// marked counts the live processes whose environment holds mark, and
// among them the Python processes running a -c script (runner, workers).
func marked(mark string) (all, python int) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		dir := "/proc/" + e.Name()
		env, err := os.ReadFile(dir + "/environ")
		if err != nil || !strings.Contains(string(env), mark) {
			continue
		}
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil || !alive(pid) {
			continue
		}
		all++
		cmd, _ := os.ReadFile(dir + "/cmdline")
		if strings.Contains(string(cmd), "python") && strings.Contains(string(cmd), "\x00-c\x00") {
			python++
		}
	}
	return all, python
}

// TestNoOrphansWhenTheTrialDies kills an isolated trial process while its
// py-processes runner and pool workers are busy: Pdeathsig takes the
// runner down with it and the workers with the runner. The processes are
// counted by a mark in their environment.
func TestNoOrphansWhenTheTrialDies(t *testing.T) {
	mark := fmt.Sprintf("CONCBENCH_TEST_MARK=%d", time.Now().UnixNano())
	k, v, _ := strings.Cut(mark, "=")
	t.Setenv(k, v)
	t.Setenv("CONCBENCH_RUNNER_FAULT", "run:hang")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seen := make(chan int, 1)
	go func() {
		defer cancel()
		most := 0
		for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
			// the runner and its 2 pool workers
			_, py := marked(mark)
			if most = max(most, py); most >= 3 {
				time.Sleep(100 * time.Millisecond) // into the hang
				break
			}
		}
		seen <- most
	}()
	_, err := bench.RunIsolated(ctx, bench.Spec{Model: "py-processes", Workload: "io-sleep", Tasks: 10,
		Config: resultfmt.Config{Concurrency: 2}})
	if err == nil {
		t.Fatal("the killed trial reported success")
	}
	t.Logf("killed trial: %v", err)
	if n := <-seen; n < 3 {
		t.Fatalf("saw at most %d Python processes, want 3 (runner, 2 workers): the count does not work", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n, _ := marked(mark); n > 0 && time.Now().Before(deadline); n, _ = marked(mark) {
		time.Sleep(20 * time.Millisecond)
	}
	if n, _ := marked(mark); n > 0 {
		t.Errorf("%d processes outlived the killed trial", n)
	}
}

// TestLargeReports: records larger than a pipe buffer (20,000 tasks, about
// 720 KB) come back whole from every runner, including node-workers, whose
// worker threads make Node's stdout non-blocking.
func TestLargeReports(t *testing.T) {
	for _, name := range runtimes.Names() {
		n := 20000
		if name == "py-processes" {
			n = 4000 // ~80 µs of pickling per task
		}
		res := run(t, bench.Spec{Model: name, Workload: "noop", Tasks: n})
		if res.Completed != int64(n) {
			t.Errorf("%s: completed %d of %d", name, res.Completed, n)
		}
	}
}

// TestUnavailableRuntimes: a missing or too old interpreter makes its
// models unavailable with the reason and the fix; run refuses them as
// bad input (exit 2), sweeps skip them with a note.
func TestUnavailableRuntimes(t *testing.T) {
	t.Setenv(runtimes.EnvNode, "/nonexistent/node")
	old := t.TempDir() + "/python3"
	script := "#!/bin/sh\necho '{\"version\": \"3.6.9\", \"ok\": false, \"uvloop\": \"\", \"exe\": \"'$0'\"}'\n"
	if err := os.WriteFile(old, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(runtimes.EnvPython, old)
	for name, want := range map[string]string{
		"node-eventloop": "/nonexistent/node not found (install it, put it on PATH, or set CONCBENCH_NODE",
		"py-asyncio":     "is Python 3.6.9; the Python models need 3.8 or newer (set CONCBENCH_PYTHON",
	} {
		info, _ := models.Lookup(name)
		if err := info.Usable(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: unavailable because %v, want %q", name, err, want)
		}
		spec := bench.Spec{Model: name, Workload: "noop", Tasks: 1}
		if err := bench.ValidateSpec(&spec); !errors.Is(err, bench.ErrUsage) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: ValidateSpec = %v, want a usage error naming the reason", name, err)
		}
	}
	suite := &bench.Suite{Name: "t", Repeats: 1, Experiments: []bench.Experiment{
		{Tag: "t", Workloads: []string{"noop"}, Models: []string{"sequential", "node-eventloop"}, Tasks: []int{5}}}}
	f, err := bench.Sweep(context.Background(), suite, bench.SweepOptions{InProcess: true, NoWarmup: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trials) != 1 || f.Trials[0].Spec.Model != "sequential" {
		t.Errorf("sweep ran %d trials, want only sequential's", len(f.Trials))
	}
	if len(f.Notes) != 1 || !strings.Contains(f.Notes[0], "skipped") || !strings.Contains(f.Notes[0], "node-eventloop is unavailable here") {
		t.Errorf("notes = %q, want one skip note for node-eventloop", f.Notes)
	}
}
