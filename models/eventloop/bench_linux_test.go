//go:build linux

package eventloop

import (
	"context"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"concbench/models"
	"concbench/workload"
)

// BenchmarkNoop measures the loop's per-task overhead: a batch of noop
// tasks, each started, stepped and finished on the loop (target <= 150
// ns/task at a million tasks), at the model's default GOMAXPROCS=1.
func BenchmarkNoop(b *testing.B) {
	const n = 1_000_000
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	tasks := build(b, "noop", n, workload.Params{})
	m := newLoop(b, models.Config{})
	b.Run("tasks="+strconv.Itoa(n), func(b *testing.B) {
		b.StopTimer()
		for range b.N {
			tr := models.NewTrial(context.Background(), tasks, models.Load{}, workload.Env{}, false)
			runtime.GC()
			b.StartTimer()
			err := m.Run(tr.Context(), tr)
			b.StopTimer()
			tr.Close()
			if err != nil {
				b.Fatal(err)
			}
			if tr.Rec.Finished() != n {
				b.Fatalf("%d of %d finished", tr.Rec.Finished(), n)
			}
		}
		per := float64(b.Elapsed()) / float64(b.N*n)
		b.ReportMetric(per, "ns/task")
		b.ReportMetric(1e9/per, "tasks/s")
	})
}

// BenchmarkMemoryPerTask holds a million Sleep tasks in flight at once and
// measures the process's growth per task, from before the tasks are built
// to the moment all are in flight: resident memory (/proc/self/statm,
// target <= 200 B/task) and live Go heap (runtime/metrics; it also counts
// slots allocated but not yet touched, which RSS does not).
func BenchmarkMemoryPerTask(b *testing.B) {
	const n, sleep = 1_000_000, 5 * time.Second
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	b.Run("tasks="+strconv.Itoa(n)+"/sleep="+sleep.String(), func(b *testing.B) {
		var rssPer, heapPer, peak float64
		for range b.N {
			runtime.GC()
			debug.FreeOSMemory()
			rss0, heap0 := residentBytes(b), heapBytes()
			tasks := build(b, "io-sleep", n, workload.Params{Sleep: sleep})
			tr := models.NewTrial(context.Background(), tasks, models.Load{}, workload.Env{}, false)
			done := make(chan error, 1)
			go func() { done <- newLoop(b, models.Config{}).Run(tr.Context(), tr) }()
			for tr.Rec.PeakInflight() < n && tr.Rec.Finished() == 0 {
				time.Sleep(5 * time.Millisecond)
			}
			rss1, heap1 := residentBytes(b), heapBytes()
			peak = float64(tr.Rec.PeakInflight())
			err := <-done
			tr.Close()
			if err != nil {
				b.Fatal(err)
			}
			if peak != n {
				b.Fatalf("peak in-flight %v, want %d", peak, n)
			}
			rssPer = float64(rss1-rss0) / n
			heapPer = float64(heap1-heap0) / n
			runtime.KeepAlive(tasks)
		}
		b.ReportMetric(rssPer, "rss-B/task")
		b.ReportMetric(heapPer, "heap-B/task")
		b.ReportMetric(peak, "peak-inflight")
	})
}

func residentBytes(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		b.Fatal(err)
	}
	f := strings.Fields(string(raw))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		b.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}

func heapBytes() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// BenchmarkTimerLateness measures how late timers fire (dispatch time minus
// deadline) with 100,000 pending, deadlines spread over one second (target
// p99 <= 100 us).
func BenchmarkTimerLateness(b *testing.B) {
	const n, spread = 100_000, int64(time.Second)
	b.Run("pending="+strconv.Itoa(n), func(b *testing.B) {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		rng := rand.New(rand.NewPCG(7, 8))
		when := make([]int64, n)
		late := make([]int64, 0, n*b.N)
		for range b.N {
			r, err := newReactor(time.Now(), 1)
			if err != nil {
				b.Fatal(err)
			}
			start := r.now() + int64(10*time.Millisecond)
			for i := range when {
				when[i] = start + rng.Int64N(spread)
				r.addTimer(when[i], opTest, int32(i))
			}
			fired := 0
			h := &testHandler{
				stop: func() bool { return fired == n },
				onEvent: func(ev event) {
					fired++
					late = append(late, r.now()-when[ev.arg])
				},
			}
			err = r.run(h)
			if cerr := r.close(); err == nil {
				err = cerr
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		slices.Sort(late)
		q := func(p float64) float64 { return float64(late[int(p*float64(len(late)-1))]) / 1e3 }
		b.ReportMetric(q(0.50), "p50-us")
		b.ReportMetric(q(0.99), "p99-us")
		b.ReportMetric(q(1), "max-us")
	})
}
