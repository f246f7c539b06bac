package bench

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// expect says what each model IS, by observation: the peak number of tasks
// in flight on a batch of n sleeps at the model's default concurrency, and
// whether CPU steps run in parallel. A parallel model's CPU peak is checked
// with its concurrency set to GOMAXPROCS: it must reach exactly that (with
// more goroutines than Ps a preempted step would also count as running).
var expect = map[string]struct {
	inflight func(n, conc int) int64
	parallel bool
}{
	"sequential": {func(n, c int) int64 { return 1 }, false},
	"eventloop":  {func(n, c int) int64 { return int64(n) }, false},
	"goroutines": {func(n, c int) int64 { return int64(n) }, true},
	"pool":       {func(n, c int) int64 { return int64(min(n, c)) }, true},
	// An OS thread per task, bounded by the thread budget.
	"threads": {func(n, c int) int64 { return int64(min(n, c)) }, true},
	// P worker processes at pipelining depth 1.
	"multiproc": {func(n, c int) int64 { return int64(min(n, c)) }, true},
	// Models in other runtimes (concbench/runtimes). py-threads has W
	// threads but one GIL: its CPU steps never run at once.
	"py-sequential":  {func(n, c int) int64 { return 1 }, false},
	"py-asyncio":     {func(n, c int) int64 { return int64(n) }, false},
	"py-uvloop":      {func(n, c int) int64 { return int64(n) }, false},
	"py-threads":     {func(n, c int) int64 { return int64(min(n, c)) }, false},
	"py-processes":   {func(n, c int) int64 { return int64(min(n, c)) }, true},
	"node-eventloop": {func(n, c int) int64 { return int64(n) }, false},
	// The event loop holds every task; CPU steps go to a worker thread
	// per CPU.
	"node-workers": {func(n, c int) int64 { return int64(n) }, true},
}

func mustRun(t *testing.T, spec Spec) *Result {
	t.Helper()
	res, err := Run(context.Background(), spec)
	if err != nil {
		t.Fatalf("%s/%s: %v", spec.Model, spec.Workload, err)
	}
	return res
}

// missingExpectations lists the models among names that have no entry in
// expect: a model the semantics test cannot check.
func missingExpectations(names []string) []string {
	var out []string
	for _, n := range names {
		if _, ok := expect[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}

// TestEveryModelHasExpectation fails when a registered model has no
// semantics expectation, so a new model cannot go unobserved.
func TestEveryModelHasExpectation(t *testing.T) {
	if m := missingExpectations(models.Names()); len(m) > 0 {
		t.Fatalf("registered models without a semantics expectation in bench/models_test.go: %v", m)
	}
	// A model registered only in the registry is caught.
	if m := missingExpectations(append(models.Names(), "toy")); !slices.Equal(m, []string{"toy"}) {
		t.Fatalf("missingExpectations did not catch an unknown model: %v", m)
	}
}

// TestModelSemantics runs the same observations against every registered
// model: in-flight peak on a batch of sleeps, CPU-step overlap on a CPU
// batch. A model without an expectation fails.
func TestModelSemantics(t *testing.T) {
	procs := min(runtime.NumCPU(), 2)
	for _, name := range models.Names() {
		want, ok := expect[name]
		if !ok {
			t.Errorf("model %s has no semantics expectation", name)
			continue
		}
		t.Run("model="+name, func(t *testing.T) {
			// n above the pool's 32 workers. A model that holds every task
			// in flight at once gets one wave of sleeps long enough to
			// outlast starting all n (an OS thread each costs tens of µs,
			// milliseconds under -race on a busy machine); a bounded one
			// gets short sleeps, as it runs n/c waves.
			const n = 50
			info, err := models.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			//
			// A bounded model's waves each last about a second over all
			// waves, at least 50 ms each: under -race with two CPU hogs a
			// pool of 32 Python threads took more than 50 ms to start, so
			// its first tasks ended before its last began ("peak in-flight
			// 30, want 32").
			c := info.Resolve(models.Config{}).Concurrency
			sleep := time.Second
			if w := want.inflight(n, c); w < n {
				waves := (n + w - 1) / w
				sleep = min(time.Second, max(50*time.Millisecond, time.Second/time.Duration(waves)))
			}
			res := mustRun(t, Spec{Model: name, Workload: "io-sleep", Tasks: n,
				Params: workload.Params{Sleep: sleep}})
			if got, w := res.PeakInflight, want.inflight(n, res.Config.Concurrency); got != w {
				t.Errorf("io-sleep x%d: peak in-flight %d, want %d", n, got, w)
			}
			cfg, wantCPU := resultfmt.Config{Procs: procs}, int64(1)
			if want.parallel {
				cfg.Concurrency, wantCPU = procs, int64(procs)
			}
			res = mustRun(t, Spec{Model: name, Workload: "cpu-hash", Tasks: 40,
				Params: workload.Params{Units: 2000}, Config: cfg})
			if got := res.PeakCPUSteps; got != wantCPU {
				t.Errorf("cpu-hash at GOMAXPROCS=%d, concurrency %d: peak concurrent CPU steps %d, want %d", procs, cfg.Concurrency, got, wantCPU)
			}
		})
	}
}

// TestEveryModelEveryPreset checks complete, verified results (digests and
// byte counts) for every model on every preset under each load shape; the
// harness starts the latency server and makes the data files as needed.
func TestEveryModelEveryPreset(t *testing.T) {
	loads := []string{"batch", "closed:8", "open:2000"}
	for _, m := range models.Names() {
		for _, w := range workload.Names() {
			for _, l := range loads {
				t.Run("model="+m+"/workload="+w+"/load="+l, func(t *testing.T) {
					res := mustRun(t, Spec{Model: m, Workload: w, Tasks: 60, Load: l,
						Params: workload.Params{Sleep: time.Millisecond, Units: 20, Block: 2 * time.Millisecond, BlockEvery: 20,
							NetDelay: time.Millisecond, FileSize: 1 << 20}})
					if res.Completed != 60 || res.Verified == 0 {
						t.Fatalf("completed %d verified %d of 60", res.Completed, res.Verified)
					}
				})
			}
		}
	}
}

// TestOpenLoadCountsQueueing is the coordinated-omission case: a slow
// sequential model under an open load. Each task sleeps 20 ms while tasks
// arrive every 5 ms, so the last of 20 cannot end before 20 x 20 ms and its
// latency, counted from its intended arrival at 95 ms, includes >= 305 ms
// of queueing. Measured from its start, it would look like 20 ms.
func TestOpenLoadCountsQueueing(t *testing.T) {
	res := mustRun(t, Spec{Model: "sequential", Workload: "io-sleep", Tasks: 20, Load: "open:200",
		Params: workload.Params{Sleep: 20 * time.Millisecond}, Series: 20})
	last := res.Series[len(res.Series)-1]
	if last.Arrive != 95 {
		t.Fatalf("last intended arrival %v ms, want 95", last.Arrive)
	}
	if last.Latency < 305 {
		t.Errorf("last task latency %.1f ms, want >= 305 ms: queueing behind earlier tasks is hidden", last.Latency)
	}
	if res.Wait.Max < 285 {
		t.Errorf("max wait %.1f ms, want >= 285 ms", res.Wait.Max)
	}
	// Measured from its start the worst task would look like one sleep.
	// The last task ends after every task's service (one model thread),
	// so its latency from its intended arrival at 95 ms is at least the
	// longest service plus 19 sleeps of 20 ms, less 95 ms: 285 ms of
	// queueing above the longest service however slow a busy machine
	// makes each sleep (a ratio to the service failed under load: 680 ms
	// vs 176 ms of service, 3.9x).
	if res.Latency.Max < res.Service.Max+280 {
		t.Errorf("max latency %.1f ms is not max service %.1f ms + >= 285 ms of queueing", res.Latency.Max, res.Service.Max)
	}
}

// TestClosedLoadKeepsClients checks that a closed load of C clients never
// has more than C tasks in flight, even on an unlimited model.
func TestClosedLoadKeepsClients(t *testing.T) {
	res := mustRun(t, Spec{Model: "goroutines", Workload: "io-sleep", Tasks: 100, Load: "closed:7",
		Params: workload.Params{Sleep: 5 * time.Millisecond}})
	if res.PeakInflight != 7 {
		t.Errorf("closed:7 peak in-flight %d, want 7", res.PeakInflight)
	}
}

// TestNetInflight: with the latency server answering after 1 s, 200
// io-net tasks are all in flight at once on the goroutine and event-loop
// models (the server runs as its own child process). A second outlasts
// starting 200 tasks and connections on a loaded machine (50 ms did not:
// "peak in-flight 160, want 200" under -race with CPU hogs).
func TestNetInflight(t *testing.T) {
	for _, m := range []string{"goroutines", "eventloop"} {
		res := mustRun(t, Spec{Model: m, Workload: "io-net", Tasks: 200,
			Params: workload.Params{NetDelay: time.Second, NetSize: 512}})
		if res.PeakInflight != 200 {
			t.Errorf("%s: peak in-flight %d, want 200", m, res.PeakInflight)
		}
		if res.ServerRequests != 200 || res.ServerCPU <= 0 {
			t.Errorf("%s: server answered %d requests using %.3fs CPU; want 200 and its CPU reported apart", m, res.ServerRequests, res.ServerCPU)
		}
	}
}
