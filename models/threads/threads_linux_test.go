//go:build linux

package threads

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"concbench/models"
	"concbench/workload"
)

// osThreads reads this process's OS thread count from /proc/self/status,
// evidence the model does not write.
func osThreads(t testing.TB) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := bytes.Cut(b, []byte("\nThreads:"))
	line, _, _ := bytes.Cut(rest, []byte("\n"))
	n, err := strconv.Atoi(string(bytes.TrimSpace(line)))
	if err != nil {
		t.Fatalf("Threads in /proc/self/status: %v", err)
	}
	return n
}

// watchThreads samples osThreads until stop is called and returns the peak.
func watchThreads(t *testing.T) (stop func() int) {
	var peak atomic.Int64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if n := int64(osThreads(t)); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return func() int { close(done); wg.Wait(); return int(peak.Load()) }
}

func run(t *testing.T, cfg models.Config, preset string, n int, p workload.Params) *models.Trial {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := workload.Build(preset, n, p)
	if err != nil {
		t.Fatal(err)
	}
	tr := models.NewTrial(context.Background(), tasks, models.Load{Shape: models.Batch, Spec: "batch"}, workload.Env{}, true)
	t.Cleanup(tr.Close)
	if err := m.Run(tr.Context(), tr); err != nil {
		t.Fatal(err)
	}
	if got := tr.Rec.Finished(); got != int64(n) {
		t.Fatalf("%d of %d tasks finished", got, n)
	}
	return tr
}

// TestOneThreadPerTask observes what the model is: with every task in
// flight at once, each ran on an OS thread of its own (distinct gettid
// values, none shared with another task), the process really held that
// many more OS threads (/proc/self/status); with a limit, no more.
func TestOneThreadPerTask(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int
		tasks int
	}{
		{"unlimited", 0, 200},
		{"limit=50", 50, 150},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := osThreads(t)
			stop := watchThreads(t)
			// Sleeps long enough that thread creation (tens of µs each)
			// cannot let a task end before the next begins.
			tr := run(t, models.Config{Concurrency: tc.limit}, "io-sleep", tc.tasks, workload.Params{Sleep: 300 * time.Millisecond})
			peak := stop()
			inflight := tc.tasks
			if tc.limit > 0 {
				inflight = tc.limit
			}
			if got := tr.Rec.PeakInflight(); got != int64(inflight) {
				t.Errorf("peak in-flight %d, want %d", got, inflight)
			}
			tids := map[int32]int{}
			for i, tid := range tr.Rec.Tids {
				if tid <= 0 {
					t.Fatalf("task %d ran on threads %d (0: none recorded, -1: several)", i, tid)
				}
				tids[tid]++
			}
			// Unlimited, every task overlapped every other: all distinct.
			if tc.limit == 0 && len(tids) != tc.tasks {
				t.Errorf("%d tasks in flight at once ran on %d distinct OS threads, want %d", tc.tasks, len(tids), tc.tasks)
			}
			// Threads idle before the trial may be taken by a task (and
			// then destroyed), so the floor is the tasks in flight.
			if peak < inflight {
				t.Errorf("peak OS threads %d, want >= %d tasks in flight", peak, inflight)
			}
			if tc.limit > 0 && peak > base+inflight+32 {
				t.Errorf("peak OS threads %d with a limit of %d (base %d): the limit is not kept", peak, tc.limit, base)
			}
		})
	}
}

// TestParallelCPU: CPU steps on separate threads run at once (steps of a
// few ms each, so that even on a busy machine, where a thread may wait
// for a core, the two threads are inside their steps together).
func TestParallelCPU(t *testing.T) {
	tr := run(t, models.Config{Concurrency: 2}, "cpu-hash", 20, workload.Params{Units: 4000})
	if got := tr.Rec.PeakCPU(); got != 2 {
		t.Errorf("peak concurrent CPU steps %d, want 2", got)
	}
}

// TestBudget: a limit over the machine's thread budget is refused in one
// line naming the budget and where it comes from.
func TestBudget(t *testing.T) {
	b := Budget()
	if b <= 0 {
		t.Fatalf("no thread budget: %v", budgetErr())
	}
	for _, tc := range []struct {
		conc int
		ok   bool
	}{{0, true}, {1, true}, {b, true}, {b + 1, false}} {
		_, err := New(models.Config{Concurrency: tc.conc})
		if (err == nil) != tc.ok {
			t.Errorf("concurrency %d: err %v, want ok=%v", tc.conc, err, tc.ok)
		}
		if err != nil && !bytes.Contains([]byte(err.Error()), []byte("RLIMIT_NPROC")) {
			t.Errorf("error %q does not say where the budget comes from", err)
		}
	}
}

// BenchmarkSpawn measures what creating a thread for a task costs over a
// goroutine: a task that does nothing, started and waited for; a goroutine
// that returns locked makes the runtime destroy its thread, so every
// iteration of kind=thread creates one (the model reuses its threads; see
// the package comment).
func BenchmarkSpawn(b *testing.B) {
	raiseMaxThreads(Budget() + reserve)
	for _, lock := range []bool{false, true} {
		name := "kind=goroutine"
		if lock {
			name = "kind=thread"
		}
		b.Run(name, func(b *testing.B) {
			var wg sync.WaitGroup
			for b.Loop() {
				wg.Add(1)
				go func() {
					if lock {
						runtime.LockOSThread()
					}
					wg.Done()
				}()
				wg.Wait()
			}
		})
	}
}
