//go:build linux

package eventloop

import (
	"context"
	"errors"
	"os"
	"runtime"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"concbench/models"
	"concbench/workload"

	// The blocking models the tests compare with.
	_ "concbench/models/goroutines"
	_ "concbench/models/sequential"
)

func build(t testing.TB, preset string, n int, p workload.Params) []workload.Task {
	t.Helper()
	tasks, err := workload.Build(preset, n, p)
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

func newLoop(t testing.TB, cfg models.Config) models.Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// runTrial runs m on tasks under load and returns the finished trial.
func runTrial(t testing.TB, m models.Model, tasks []workload.Task, load models.Load, track bool) (*models.Trial, error) {
	t.Helper()
	tr := models.NewTrial(context.Background(), tasks, load, workload.Env{}, track)
	t.Cleanup(tr.Close)
	tr.SetNonce(testNonce)
	err := m.Run(tr.Context(), tr)
	return tr, err
}

// testNonce is the nonce of the tests' trials: CPU and File outputs must
// depend on it.
const testNonce = 0x6e6f6e6365

// nonced is p with the tests' nonce, for workload.Check.
func nonced(p workload.Params) workload.Params {
	p.Nonce = testNonce
	return p
}

// mustRun runs a trial that must succeed with correct results.
func mustRun(t testing.TB, m models.Model, tasks []workload.Task, load models.Load, track bool) *models.Trial {
	t.Helper()
	tr, err := runTrial(t, m, tasks, load, track)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workload.Check(tasks, tr.Rec.Result, nonced(workload.Params{})); err != nil {
		t.Fatal(err)
	}
	if got := tr.Rec.Finished(); got != int64(len(tasks)) {
		t.Fatalf("%d of %d tasks finished", got, len(tasks))
	}
	return tr
}

func lookup(t testing.TB, name string) models.Model {
	t.Helper()
	info, err := models.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := info.New(info.Resolve(models.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRegistered(t *testing.T) {
	info, err := models.Lookup("eventloop")
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.Resolve(models.Config{})
	if cfg.Procs != 1 || cfg.Concurrency != 0 || info.Doc == "" {
		t.Fatalf("info resolves to %+v (doc %q), want GOMAXPROCS 1, unlimited", cfg, info.Doc)
	}
	if _, err := New(models.Config{Threads: -1}); err == nil {
		t.Fatal("negative thread count accepted")
	}
}

// TestOneThread: every step of every task, including steps continued from
// timer callbacks, ran on one OS thread.
func TestOneThread(t *testing.T) {
	var tasks []workload.Task
	tasks = append(tasks, build(t, "io-sleep", 100, workload.Params{Sleep: time.Millisecond})...)
	cpu := build(t, "cpu-hash", 50, workload.Params{Units: 5})
	mixed := []workload.Step{workload.SleepStep(time.Millisecond), workload.CPUStep(workload.Spin, 1), {}, workload.BlockStep(time.Microsecond), workload.SleepStep(0)}
	for i := range 50 {
		tasks = append(tasks, cpu[i], workload.Task{Steps: mixed})
	}
	for i := range tasks {
		tasks[i].ID = uint32(i)
	}
	tr := mustRun(t, newLoop(t, models.Config{}), tasks, models.Load{}, true)
	tid := tr.Rec.Tids[0]
	for i, got := range tr.Rec.Tids {
		if got == -1 || got == 0 || got != tid {
			t.Fatalf("task %d ran on thread %d, task 0 on %d: want one thread for every step", i, got, tid)
		}
	}
}

// TestSleepBatchConcurrency: 2000 x Sleep(100ms) are all in flight at once
// and finish in a small multiple of 100ms, not 200s.
func TestSleepBatchConcurrency(t *testing.T) {
	const n, d = 2000, 100 * time.Millisecond
	tr := mustRun(t, newLoop(t, models.Config{}), build(t, "io-sleep", n, workload.Params{Sleep: d}), models.Load{}, false)
	if p := tr.Rec.PeakInflight(); p != n {
		t.Fatalf("peak in-flight %d, want %d", p, n)
	}
	makespan := time.Duration(slices.Max(tr.Rec.End))
	t.Logf("makespan of %d x %v: %v", n, d, makespan)
	if makespan > 20*d {
		t.Fatalf("makespan %v: the sleeps did not overlap (sequential would be %v)", makespan, n*d)
	}
}

// TestCPUNoParallelism: CPU steps never overlap, even with two Ps, and
// CPU throughput matches the sequential model's (same thread, same work).
func TestCPUNoParallelism(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	tasks := build(t, "cpu-hash", 200, workload.Params{Units: 100})
	// Compare the CPU time each model spends on the same work (getrusage
	// over the whole process, so a loop that spins or a helper thread would
	// count): the machine may be shared, and wall time then measures the
	// neighbours more than the model. The median of paired rounds, in
	// alternating order; the wall-time ratios are logged for reference.
	run := func(name string) (cpu, wall time.Duration) {
		var m models.Model
		if name == "eventloop" {
			m = newLoop(t, models.Config{})
		} else {
			m = lookup(t, name)
		}
		before := cpuTime(t)
		tr := mustRun(t, m, tasks, models.Load{}, false)
		cpu = cpuTime(t) - before
		if name == "eventloop" && tr.Rec.PeakCPU() != 1 {
			t.Fatalf("peak concurrent CPU steps %d, want 1", tr.Rec.PeakCPU())
		}
		return cpu, time.Duration(slices.Max(tr.Rec.End))
	}
	var ratios, walls []float64
	for round := range 9 {
		var loopCPU, loopWall, seqCPU, seqWall time.Duration
		if round%2 == 0 {
			loopCPU, loopWall = run("eventloop")
			seqCPU, seqWall = run("sequential")
		} else {
			seqCPU, seqWall = run("sequential")
			loopCPU, loopWall = run("eventloop")
		}
		ratios = append(ratios, float64(seqCPU)/float64(loopCPU)) // throughput ratio
		walls = append(walls, float64(seqWall)/float64(loopWall))
	}
	slices.Sort(ratios)
	slices.Sort(walls)
	ratio := ratios[len(ratios)/2]
	t.Logf("eventloop/sequential CPU-hash throughput per CPU second: %.2f (median %.2f); per wall second: %.2f", ratios, ratio, walls)
	if ratio < 0.8 || ratio > 1.25 {
		t.Fatalf("eventloop CPU throughput is %.2fx sequential's, want 0.8..1.25", ratio)
	}
}

// delayedByBlock counts the non-blocking tasks whose latency includes a
// Block: they took at least the block's duration.
func delayedByBlock(tasks []workload.Task, rec *models.Recorder, block time.Duration) (delayed, blockers int) {
	for i, tk := range tasks {
		if workload.BlockingTask(tk) {
			blockers++
			continue
		}
		if time.Duration(rec.End[i]-rec.Arrive[i]) >= block {
			delayed++
		}
	}
	return delayed, blockers
}

// TestBlockingMistake: a Block on the loop thread stalls every task whose
// sleep expired meanwhile; the goroutine model shows no such stall.
func TestBlockingMistake(t *testing.T) {
	const n = 100
	p := workload.Params{Sleep: 10 * time.Millisecond, Block: 150 * time.Millisecond, BlockEvery: 50}
	tasks := build(t, "blocking-mistake", n, p)

	tr := mustRun(t, newLoop(t, models.Config{}), tasks, models.Load{}, false)
	delayed, blockers := delayedByBlock(tasks, tr.Rec, p.Block)
	t.Logf("eventloop: %d of %d non-blocking tasks took >= %v", delayed, n-blockers, p.Block)
	if blockers != 2 || delayed < (n-blockers)/4 {
		t.Fatalf("eventloop: %d of %d non-blocking tasks delayed by the block, want most", delayed, n-blockers)
	}
	// Every delayed task ended after some blocker's block began.
	var firstBlockEnd int64 = 1 << 62
	for i, tk := range tasks {
		if workload.BlockingTask(tk) {
			firstBlockEnd = min(firstBlockEnd, tr.Rec.End[i])
		}
	}
	for i, tk := range tasks {
		if !workload.BlockingTask(tk) && time.Duration(tr.Rec.End[i]) >= p.Block && tr.Rec.End[i] < firstBlockEnd {
			t.Fatalf("task %d took %v but ended before the first block ended", i, time.Duration(tr.Rec.End[i]))
		}
	}

	gtr := mustRun(t, lookup(t, "goroutines"), tasks, models.Load{}, false)
	gdelayed, _ := delayedByBlock(tasks, gtr.Rec, p.Block)
	t.Logf("goroutines: %d non-blocking tasks took >= %v", gdelayed, p.Block)
	if gdelayed != 0 {
		t.Fatalf("goroutines: %d non-blocking tasks delayed by a block, want 0", gdelayed)
	}
}

func TestOpenLoad(t *testing.T) {
	const n = 300
	tasks := build(t, "io-sleep", n, workload.Params{Sleep: 2 * time.Millisecond})
	arr := make([]int64, n)
	for i := range arr {
		arr[i] = int64(i) * int64(100*time.Microsecond)
	}
	arr[10], arr[11] = arr[9], arr[9] // simultaneous arrivals
	tr := mustRun(t, newLoop(t, models.Config{}), tasks, models.Load{Shape: models.Open, Arrivals: arr}, false)
	for i := range n {
		if tr.Rec.Arrive[i] != arr[i] {
			t.Fatalf("task %d arrival recorded %d, want %d", i, tr.Rec.Arrive[i], arr[i])
		}
		if tr.Rec.Start[i] < arr[i] {
			t.Fatalf("task %d started at %d, before its arrival %d", i, tr.Rec.Start[i], arr[i])
		}
	}
	if tr.Rec.PeakInflight() < 2 {
		t.Fatalf("peak in-flight %d: open arrivals did not overlap", tr.Rec.PeakInflight())
	}
}

func TestClosedLoad(t *testing.T) {
	const n, clients = 300, 10
	tasks := build(t, "io-sleep", n, workload.Params{Sleep: time.Millisecond})
	tr := mustRun(t, newLoop(t, models.Config{}), tasks, models.Load{Shape: models.Closed, Clients: clients}, false)
	if p := tr.Rec.PeakInflight(); p != clients {
		t.Fatalf("peak in-flight %d, want %d clients", p, clients)
	}
	ends := slices.Clone(tr.Rec.End)
	slices.Sort(ends)
	for i := range n {
		if tr.Rec.Start[i] < tr.Rec.Arrive[i] {
			t.Fatalf("task %d started before it arrived", i)
		}
		if i >= clients {
			// The k-th completion submits task clients+k.
			if tr.Rec.Arrive[i] < ends[i-clients] {
				t.Fatalf("task %d arrived at %d, before the %d-th completion at %d", i, tr.Rec.Arrive[i], i-clients, ends[i-clients])
			}
		}
	}
}

func TestInflightLimit(t *testing.T) {
	const n, limit = 300, 7
	tasks := build(t, "io-sleep", n, workload.Params{Sleep: 2 * time.Millisecond})
	for _, load := range []models.Load{{}, {Shape: models.Closed, Clients: 20}} {
		tr := mustRun(t, newLoop(t, models.Config{Concurrency: limit}), tasks, load, false)
		if p := tr.Rec.PeakInflight(); p != limit {
			t.Fatalf("%v load: peak in-flight %d, want the limit %d", load.Shape, p, limit)
		}
		for i := 1; i < n; i++ {
			if tr.Rec.Start[i] < tr.Rec.Start[i-1] {
				t.Fatalf("%v load: task %d started before task %d: the wait is not FIFO", load.Shape, i, i-1)
			}
		}
	}
}

// TestFileOffload runs File steps through the thread pool with a stand-in
// reader: at most Threads reads at once, every step (and the resumption)
// on the loop thread, correct results.
func TestFileOffload(t *testing.T) {
	const threads = 3
	tasks := build(t, "io-file", 30, workload.Params{ReadSize: 4096, FileSize: 1 << 20})
	var running, peak atomic.Int64
	m := newLoop(t, models.Config{Threads: threads}).(*model)
	m.readFile = func(tk workload.Task, s workload.Step, _ uint64) (uint64, error) {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		workload.BlockThread(5 * time.Millisecond)
		running.Add(-1)
		return workload.StepOutput(tk, 0, nonced(workload.Params{})), nil
	}
	tr := mustRun(t, m, tasks, models.Load{}, true)
	if p := peak.Load(); p != threads {
		t.Fatalf("peak concurrent reads %d, want %d threads", p, threads)
	}
	if p := tr.Rec.PeakInflight(); p != int64(len(tasks)) {
		t.Fatalf("peak in-flight %d, want %d", p, len(tasks))
	}
	for i, tid := range tr.Rec.Tids {
		if tid != tr.Rec.Tids[0] || tid <= 0 {
			t.Fatalf("task %d thread %d, task 0 %d: File steps must resume on the loop", i, tid, tr.Rec.Tids[0])
		}
	}

	m.readFile = func(workload.Task, workload.Step, uint64) (uint64, error) { return 0, os.ErrPermission }
	if _, err := runTrial(t, m, tasks, models.Load{}, false); !errors.Is(err, os.ErrPermission) {
		t.Fatalf("failing read: Run returned %v, want it to wrap %v", err, os.ErrPermission)
	}
}

// TestStepFailure: a Net step without a server in the trial's Env (and a
// File step without files) fails the trial with an error naming the task
// and the cause.
func TestStepFailure(t *testing.T) {
	tasks := build(t, "io-net", 5, workload.Params{})
	_, err := runTrial(t, newLoop(t, models.Config{}), tasks, models.Load{}, false)
	if !errors.Is(err, workload.ErrNoServer) {
		t.Fatalf("Run returned %v, want it to wrap ErrNoServer", err)
	}
	files := build(t, "io-file", 5, workload.Params{ReadSize: 4096, FileSize: 1 << 20})
	if _, err := runTrial(t, newLoop(t, models.Config{}), files, models.Load{}, false); !errors.Is(err, workload.ErrNoFiles) {
		t.Fatalf("Run returned %v, want it to wrap ErrNoFiles", err)
	}
	t.Logf("failure reads: %v", err)
}

func TestBadLoad(t *testing.T) {
	tasks := build(t, "noop", 3, workload.Params{})
	for _, load := range []models.Load{{Shape: models.Closed}, {Shape: models.Open, Arrivals: []int64{0}}} {
		if _, err := runTrial(t, newLoop(t, models.Config{}), tasks, load, false); err == nil {
			t.Fatalf("%+v accepted", load)
		}
	}
}

// cpuTime returns the process's user+system CPU time.
func cpuTime(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func countFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestFDHygiene: a run leaves no fd open.
func TestFDHygiene(t *testing.T) {
	before := countFDs(t)
	mustRun(t, newLoop(t, models.Config{}), build(t, "io-sleep", 50, workload.Params{Sleep: time.Millisecond}), models.Load{}, false)
	if after := countFDs(t); after != before {
		t.Fatalf("%d fds open before the run, %d after", before, after)
	}
}

// TestCancel: cancelling a trial of long sleeps returns promptly with the
// cause, and leaks no fd (goroutines are checked by TestMain).
func TestCancel(t *testing.T) {
	before := countFDs(t)
	tasks := build(t, "io-sleep", 1000, workload.Params{Sleep: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := models.NewTrial(ctx, tasks, models.Load{}, workload.Env{}, false)
	defer tr.Close()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := newLoop(t, models.Config{}).Run(ctx, tr)
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if took > 5*time.Second {
		t.Fatalf("Run took %v to notice the cancellation", took)
	}
	if tr.Rec.Finished() != 0 || tr.Rec.PeakInflight() != int64(len(tasks)) {
		t.Fatalf("finished %d, peak %d: want all in flight, none finished", tr.Rec.Finished(), tr.Rec.PeakInflight())
	}
	if after := countFDs(t); after != before {
		t.Fatalf("%d fds open before the run, %d after", before, after)
	}

	// A context cancelled before Run starts nothing.
	tr2 := models.NewTrial(ctx, tasks, models.Load{}, workload.Env{}, false)
	defer tr2.Close()
	if err := newLoop(t, models.Config{}).Run(ctx, tr2); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run on a cancelled context returned %v", err)
	}
}

// TestCancelWhileThreadPoolBusy: cancelling while reads run waits for them
// and exits every pool thread.
func TestCancelWhileThreadPoolBusy(t *testing.T) {
	tasks := build(t, "io-file", 40, workload.Params{ReadSize: 4096, FileSize: 1 << 20})
	m := newLoop(t, models.Config{}).(*model)
	m.readFile = func(tk workload.Task, s workload.Step, _ uint64) (uint64, error) {
		workload.BlockThread(20 * time.Millisecond)
		return uint64(s.Size), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	tr := models.NewTrial(ctx, tasks, models.Load{}, workload.Env{}, false)
	defer tr.Close()
	if err := m.Run(ctx, tr); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run returned %v, want DeadlineExceeded", err)
	}
}
