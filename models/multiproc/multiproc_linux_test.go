//go:build linux

package multiproc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/internal/child"
	"concbench/models"
	"concbench/workload"
)

// roleTestParent is a helper process for TestParentKilled: it starts a
// worker pool, prints the worker PIDs and waits to be killed.
const roleTestParent = "multiproc-test-parent"

func init() { child.Register(roleTestParent, testParentMain) }

func testParentMain() int {
	tasks, err := workload.Build("io-sleep", 8, workload.Params{Sleep: time.Hour})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	m, err := New(models.Config{Concurrency: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	tr := models.NewTrial(context.Background(), tasks, models.Load{}, workload.Env{}, false)
	go func() { _ = m.Run(context.Background(), tr) }()
	for len(tr.LivePIDs()) < 2 {
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Printf("pids %v\n", strings.Trim(fmt.Sprint(tr.LivePIDs()), "[]"))
	select {}
}

// trial is one run of the model in a test.
type trial struct {
	m   *Model
	tr  *models.Trial
	err error
	dur time.Duration
}

func build(t *testing.T, preset string, n int, p workload.Params) []workload.Task {
	t.Helper()
	tasks, err := workload.Build(preset, n, p)
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

// testNonce is the nonce of the tests' trials: the workers' CPU and File
// outputs must depend on it.
const testNonce = 0x6e6f6e6365

func run(t *testing.T, ctx context.Context, cfg models.Config, tasks []workload.Task, load models.Load) trial {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tr := models.NewTrial(ctx, tasks, load, workload.Env{}, false)
	t.Cleanup(tr.Close)
	tr.SetNonce(testNonce)
	t0 := time.Now()
	err = m.Run(ctx, tr)
	return trial{m: m, tr: tr, err: err, dur: time.Since(t0)}
}

// checkComplete asserts every task finished exactly once with the right
// result, in a worker process other than the test.
func checkComplete(t *testing.T, tasks []workload.Task, r trial) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("Run: %v", r.err)
	}
	if got := r.tr.Rec.Finished(); got != int64(len(tasks)) {
		t.Fatalf("finished %d of %d tasks", got, len(tasks))
	}
	if _, err := workload.Check(tasks, r.tr.Rec.Result, workload.Params{Nonce: testNonce}); err != nil {
		t.Fatal(err)
	}
	me := int32(os.Getpid())
	rec := r.tr.Rec
	for i, pid := range r.m.TaskPIDs() {
		if pid == 0 || pid == me {
			t.Fatalf("task %d ran in pid %d (test is %d)", tasks[i].ID, pid, me)
		}
		if rec.Inner[i] <= 0 || rec.Inner[i] > rec.End[i]-rec.Start[i] {
			t.Fatalf("task %d: inner %d ns outside its dispatch-to-result span %d ns", tasks[i].ID, rec.Inner[i], rec.End[i]-rec.Start[i])
		}
		if rec.Start[i] < rec.Arrive[i] {
			t.Fatalf("task %d started at %d before arriving at %d", tasks[i].ID, rec.Start[i], rec.Arrive[i])
		}
	}
	if live := r.tr.LivePIDs(); len(live) != 0 {
		t.Fatalf("workers %v still registered after Run", live)
	}
}

func TestRegistered(t *testing.T) {
	info, err := models.Lookup("multiproc")
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.Resolve(models.Config{})
	if cfg.Concurrency < 1 || cfg.Procs < 1 || info.ConcurrencyDoc == "" {
		t.Errorf("defaults: %+v, doc %q", cfg, info.ConcurrencyDoc)
	}
	if _, err := info.New(models.Config{Concurrency: 2, Depth: MaxDepth + 1}); err == nil {
		t.Error("depth above MaxDepth accepted")
	}
	if _, err := info.New(models.Config{}); err == nil {
		t.Error("zero workers accepted")
	}
}

// TestProcesses: tasks run in exactly P distinct worker processes, and CPU
// steps in different workers overlap P at a time.
func TestProcesses(t *testing.T) {
	const P = 2
	// Steps of a few ms each, so both workers are inside a step together
	// even on a busy machine where one waits for a core.
	tasks := build(t, "cpu-hash", 64, workload.Params{Units: 4000})
	r := run(t, context.Background(), models.Config{Concurrency: P}, tasks, models.Load{})
	checkComplete(t, tasks, r)
	pids := map[int32]int{}
	for _, p := range r.m.TaskPIDs() {
		pids[p]++
	}
	if len(pids) != P {
		t.Errorf("tasks ran in %d processes %v, want %d", len(pids), pids, P)
	}
	all := r.tr.AllPIDs()
	for p := range pids {
		if !slices.Contains(all, int(p)) {
			t.Errorf("pid %d ran tasks but was never registered with AddPID (%v)", p, all)
		}
	}
	if got := r.tr.Rec.PeakCPU(); got != P {
		t.Errorf("peak concurrent CPU steps %d, want %d", got, P)
	}
	if got := r.tr.Rec.PeakInflight(); got != P {
		t.Errorf("peak in-flight %d, want %d (depth 1)", got, P)
	}
	ex := r.tr.Extra()
	if r.tr.Workers() != P || ex["restarts"] != 0 || ex["ipc_bytes"] <= 0 {
		t.Errorf("extras %v", ex)
	}
}

func loads(n int) map[string]models.Load {
	arr := make([]int64, n)
	for i := range arr {
		arr[i] = int64(i) * int64(100*time.Microsecond)
	}
	return map[string]models.Load{
		"batch":  {Shape: models.Batch},
		"closed": {Shape: models.Closed, Clients: 5},
		"open":   {Shape: models.Open, Arrivals: arr},
	}
}

// TestPresets: results are correct and complete for each preset under each
// load shape, with and without pipelining.
func TestPresets(t *testing.T) {
	const n = 120
	p := workload.Params{Sleep: 2 * time.Millisecond, Units: 20, Block: 5 * time.Millisecond, BlockEvery: 40}
	for _, preset := range []string{"noop", "io-sleep", "cpu-hash", "blocking-mistake"} {
		for name, load := range loads(n) {
			for _, depth := range []int{1, 4} {
				t.Run(fmt.Sprintf("%s/%s/depth=%d", preset, name, depth), func(t *testing.T) {
					tasks := build(t, preset, n, p)
					r := run(t, context.Background(), models.Config{Concurrency: 2, Depth: depth}, tasks, load)
					checkComplete(t, tasks, r)
					if got := r.tr.Rec.PeakInflight(); got > int64(2*depth) {
						t.Errorf("peak in-flight %d above P*depth = %d", got, 2*depth)
					}
				})
			}
		}
	}
}

// TestStepError: a step that fails in a worker fails the trial naming the
// task, the step and the worker.
func TestStepError(t *testing.T) {
	tasks := build(t, "noop", 10, workload.Params{})
	tasks[6] = workload.Task{ID: 6, Steps: []workload.Step{workload.NetStep(0, 10)}}
	r := run(t, context.Background(), models.Config{Concurrency: 2}, tasks, models.Load{})
	if r.err == nil {
		t.Fatal("Run succeeded with a failing Net step")
	}
	t.Logf("error: %v", r.err)
	for _, want := range []string{"task 6", "step 0", "worker pid", "net"} {
		if !strings.Contains(r.err.Error(), want) {
			t.Errorf("error %q does not mention %q", r.err, want)
		}
	}
}

// TestCrash: a worker that panics, exits or is killed mid-task fails the
// trial within a second, naming the task, the pid and the exit status; with
// Respawn the worker is replaced and the task retried once.
func TestCrash(t *testing.T) {
	for _, c := range []struct{ mode, status string }{
		{"panic", "exit status 2"},
		{"exit", "exit status 7"},
		{"kill", "signal: killed"},
		{"truncate", "truncated frame"},
	} {
		t.Run("mode="+c.mode, func(t *testing.T) {
			t.Setenv(EnvFault, "task:17:"+c.mode)
			tasks := build(t, "io-sleep", 60, workload.Params{Sleep: time.Millisecond})
			r := run(t, context.Background(), models.Config{Concurrency: 2}, tasks, models.Load{})
			if r.err == nil {
				t.Fatal("Run succeeded though a worker crashed")
			}
			t.Logf("error: %v", r.err)
			for _, want := range []string{"task 17", "worker pid", c.status} {
				if !strings.Contains(r.err.Error(), want) {
					t.Errorf("error %q does not mention %q", r.err, want)
				}
			}
			if c.mode == "panic" && !strings.Contains(r.err.Error(), "injected fault") {
				t.Errorf("error %q lacks the panic message", r.err)
			}
			if r.dur > 3*time.Second {
				t.Errorf("failing took %v", r.dur)
			}
			if live := r.tr.LivePIDs(); len(live) != 0 {
				t.Errorf("workers %v left registered", live)
			}
		})
		t.Run("mode="+c.mode+"/respawn", func(t *testing.T) {
			t.Setenv(EnvFault, "task:17:"+c.mode)
			tasks := build(t, "io-sleep", 60, workload.Params{Sleep: time.Millisecond})
			r := run(t, context.Background(), models.Config{Concurrency: 2, Depth: 2, Respawn: true}, tasks, models.Load{})
			checkComplete(t, tasks, r)
			if r.m.Restarts() != 1 || r.tr.Extra()["restarts"] != 1 {
				t.Errorf("restarts %d (extra %v), want 1", r.m.Restarts(), r.tr.Extra()["restarts"])
			}
			if n := len(r.tr.AllPIDs()); n != 3 {
				t.Errorf("%d worker processes started, want 3", n)
			}
		})
	}
	t.Run("retry-once", func(t *testing.T) {
		t.Setenv(EnvFault, "task:17:exit:always")
		tasks := build(t, "noop", 40, workload.Params{})
		r := run(t, context.Background(), models.Config{Concurrency: 2, Respawn: true}, tasks, models.Load{})
		if r.err == nil || !strings.Contains(r.err.Error(), "task 17") || !strings.Contains(r.err.Error(), "retry") {
			t.Fatalf("err %v, want task 17 failing on its retry", r.err)
		}
	})
}

// waitBusy waits until k tasks are in flight, then a little longer so some
// have finished (Recorder.Finished may only be read after Run).
func waitBusy(t *testing.T, tr *models.Trial, k int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for tr.Rec.InflightNow() < k {
		if time.Now().After(deadline) {
			t.Fatal("no tasks in flight after 10s")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
}

// TestKill9: a worker killed from outside mid-task fails the trial within
// a second (or, with Respawn, is replaced).
func TestKill9(t *testing.T) {
	for _, respawn := range []bool{false, true} {
		t.Run(fmt.Sprintf("respawn=%v", respawn), func(t *testing.T) {
			tasks := build(t, "io-sleep", 40, workload.Params{Sleep: 20 * time.Millisecond})
			m, err := New(models.Config{Concurrency: 2, Respawn: respawn})
			if err != nil {
				t.Fatal(err)
			}
			tr := models.NewTrial(context.Background(), tasks, models.Load{}, workload.Env{}, false)
			defer tr.Close()
			tr.SetNonce(testNonce) // the respawned worker gets it with its tasks
			done := make(chan error, 1)
			go func() { done <- m.Run(context.Background(), tr) }()
			waitBusy(t, tr, 2)
			victim := tr.LivePIDs()[0]
			if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed := time.Now()
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Run hung after a worker was killed")
			}
			if respawn {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				if _, err := workload.Check(tasks, tr.Rec.Result, workload.Params{Nonce: testNonce}); err != nil {
					t.Fatal(err)
				}
				if m.Restarts() != 1 {
					t.Errorf("restarts %d, want 1", m.Restarts())
				}
				return
			}
			if d := time.Since(killed); d > time.Second {
				t.Errorf("trial failed %v after the kill, want < 1s", d)
			}
			if err == nil {
				t.Fatal("Run succeeded though a worker was killed")
			}
			t.Logf("error after %v: %v", time.Since(killed), err)
			for _, want := range []string{"task ", "worker pid " + strconv.Itoa(victim), "signal: killed"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// TestIdleDeath: workers killed, most of them idle, under a closed load (whose
// feeder waits for completions) end the trial without a hang.
func TestIdleDeath(t *testing.T) {
	tasks := build(t, "io-sleep", 200, workload.Params{Sleep: 10 * time.Millisecond})
	m, err := New(models.Config{Concurrency: 3})
	if err != nil {
		t.Fatal(err)
	}
	tr := models.NewTrial(context.Background(), tasks, models.Load{Shape: models.Closed, Clients: 1}, workload.Env{}, false)
	defer tr.Close()
	done := make(chan error, 1)
	go func() { done <- m.Run(context.Background(), tr) }()
	waitBusy(t, tr, 1)
	for _, pid := range tr.LivePIDs() {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run hung after idle workers were killed")
	}
	if err == nil || !strings.Contains(err.Error(), "signal: killed") {
		t.Fatalf("Run: %v, want a worker killed", err)
	}
	t.Logf("error: %v", err)
}

// TestCorruptFrame: garbage from a worker is an error naming the worker,
// even though the worker stays alive and silent afterwards.
func TestCorruptFrame(t *testing.T) {
	t.Setenv(EnvFault, "task:5:corrupt")
	tasks := build(t, "noop", 20, workload.Params{})
	r := run(t, context.Background(), models.Config{Concurrency: 2}, tasks, models.Load{})
	if r.err == nil {
		t.Fatal("Run accepted a corrupt frame")
	}
	t.Logf("error: %v", r.err)
	for _, want := range []string{"task 5", "worker pid", "corrupt frame"} {
		if !strings.Contains(r.err.Error(), want) {
			t.Errorf("error %q does not mention %q", r.err, want)
		}
	}
	if r.dur > 5*time.Second {
		t.Errorf("took %v", r.dur)
	}
}

// TestCancel: cancelling mid-trial ends Run promptly and reaps the workers.
func TestCancel(t *testing.T) {
	for _, load := range []string{"batch", "open"} {
		t.Run(load, func(t *testing.T) {
			tasks := build(t, "io-sleep", 50, workload.Params{Sleep: time.Hour})
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			r := run(t, ctx, models.Config{Concurrency: 2}, tasks, loads(50)[load])
			if !errors.Is(r.err, context.Canceled) {
				t.Errorf("Run: %v, want context.Canceled", r.err)
			}
			if r.dur > 2*time.Second {
				t.Errorf("Run took %v after a cancel at 300ms", r.dur)
			}
			if live := r.tr.LivePIDs(); len(live) != 0 {
				t.Errorf("workers %v left registered", live)
			}
		})
	}
}

// children lists this process's child processes (zombies included).
func children(t *testing.T) []int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	me := os.Getpid()
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, _ := procStat(pid); ppid == me {
			out = append(out, pid)
		}
	}
	return out
}

// procStat returns a process's parent pid and state, or 0 and "" if it is
// gone.
func procStat(pid int) (ppid int, state string) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, ""
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 2 {
		return 0, ""
	}
	ppid, _ = strconv.Atoi(f[1])
	return ppid, f[0]
}

func fds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestHygiene: no fd or process leaks after good, failed and cancelled
// trials.
func TestHygiene(t *testing.T) {
	before, kids := fds(t), children(t)
	tasks := build(t, "noop", 50, workload.Params{})
	checkComplete(t, tasks, run(t, context.Background(), models.Config{Concurrency: 3, Depth: 3}, tasks, models.Load{}))
	t.Setenv(EnvFault, "task:9:panic")
	if r := run(t, context.Background(), models.Config{Concurrency: 2}, tasks, models.Load{}); r.err == nil {
		t.Fatal("fault not injected")
	}
	t.Setenv(EnvFault, "")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	run(t, ctx, models.Config{Concurrency: 2}, build(t, "io-sleep", 10, workload.Params{Sleep: time.Hour}), models.Load{})
	if after := fds(t); after != before {
		t.Errorf("open fds %d before, %d after", before, after)
	}
	if after := children(t); len(after) != len(kids) {
		t.Errorf("child processes %v before, %v after", kids, after)
	}
}

// TestParentKilled: when the process that owns the pool is SIGKILLed, its
// workers die too (Pdeathsig).
func TestParentKilled(t *testing.T) {
	cmd, err := child.Command(context.Background(), roleTestParent, nil, "-test.run=^$")
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper printed %q: %v", line, err)
	}
	var pids []int
	for _, f := range strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "pids")) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("bad helper line %q", line)
		}
		pids = append(pids, pid)
	}
	if len(pids) != 2 {
		t.Fatalf("helper reported workers %v, want 2", pids)
	}
	for _, pid := range pids {
		if ppid, _ := procStat(pid); ppid != cmd.Process.Pid {
			t.Fatalf("worker %d has parent %d, want the helper %d", pid, ppid, cmd.Process.Pid)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(3 * time.Second)
	for _, pid := range pids {
		for {
			_, state := procStat(pid)
			if state == "" || state == "Z" || state == "X" {
				break // gone, or dead and waiting for init to reap it
			}
			if time.Now().After(deadline) {
				t.Fatalf("worker %d survived its parent (state %s)", pid, state)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
