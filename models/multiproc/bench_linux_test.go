//go:build linux

package multiproc

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"concbench/models"
	_ "concbench/models/sequential" // the baseline of the comparisons
	"concbench/workload"
)

// measured is what one benchmark configuration averaged over its trials.
type measured struct {
	tasks int64
	wall  time.Duration // Run, including worker start-up
	span  time.Duration // first dispatch to last result
	rtt   time.Duration // sum of dispatch-to-result times
	start time.Duration // worker start-up
}

func (m measured) perTask(d time.Duration) float64 { return float64(d) / float64(m.tasks) / 1e3 }

// measure runs the tasks under a batch load with the named model, once per
// benchmark iteration, and reports us/task (span), rtt-us and tasks/s
// (wall, start-up included).
func measure(b *testing.B, name string, cfg models.Config, tasks []workload.Task) measured {
	b.Helper()
	info, err := models.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	cfg = info.Resolve(cfg)
	var res measured
	for b.Loop() {
		mdl, err := info.New(cfg)
		if err != nil {
			b.Fatal(err)
		}
		tr := models.NewTrial(context.Background(), tasks, models.Load{}, workload.Env{}, false)
		t0 := time.Now()
		err = mdl.Run(context.Background(), tr)
		wall := time.Since(t0)
		tr.Close()
		if err != nil {
			b.Fatal(err)
		}
		r := tr.Rec
		first, last := r.Start[0], r.End[0]
		for i := range tasks {
			first, last = min(first, r.Start[i]), max(last, r.End[i])
			res.rtt += time.Duration(r.End[i] - r.Start[i])
		}
		res.tasks += int64(len(tasks))
		res.wall += wall
		res.span += time.Duration(last - first)
		res.start += time.Duration(tr.Extra()["startup_ms"] * 1e6)
	}
	b.ReportMetric(res.perTask(res.span), "us/task")
	b.ReportMetric(res.perTask(res.rtt), "rtt-us")
	b.ReportMetric(float64(res.tasks)/res.wall.Seconds(), "tasks/s")
	if name == "multiproc" {
		b.ReportMetric(float64(res.start)/float64(b.N)/1e6, "startup-ms")
	}
	return res
}

// BenchmarkRoundTrip is the IPC cost of a no-op task on NumCPU workers:
// us/task is the batch's span per task (throughput cost), rtt-us the mean
// dispatch-to-result time of one task (which grows with depth, as tasks
// queue in the pipe). Python's ProcessPoolExecutor needs about 146 us.
func BenchmarkRoundTrip(b *testing.B) {
	tasks, err := workload.Build("noop", 5000, workload.Params{})
	if err != nil {
		b.Fatal(err)
	}
	for _, depth := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			measure(b, "multiproc", models.Config{Depth: depth}, tasks)
		})
	}
}

// unitsFor returns how many sha256 units take at least d on this machine.
func unitsFor(d time.Duration) uint32 {
	const probe = 500
	best := time.Hour
	for range 5 {
		t0 := time.Now()
		workload.RunCPU(workload.SHA256, probe, 1)
		best = min(best, time.Since(t0))
	}
	return uint32(1.2 * float64(probe) * float64(d) / float64(best)) // 20% margin
}

// BenchmarkCPUHash compares a cpu-hash batch of >= 1 ms tasks on 2 worker
// processes with the sequential model; x-vs-sequential is the throughput
// ratio (wall time, worker start-up included).
func BenchmarkCPUHash(b *testing.B) {
	units := unitsFor(time.Millisecond)
	tasks, err := workload.Build("cpu-hash", 200, workload.Params{Units: units})
	if err != nil {
		b.Fatal(err)
	}
	var seq measured
	b.Run("model=sequential", func(b *testing.B) {
		seq = measure(b, "sequential", models.Config{}, tasks)
	})
	b.Run("model=multiproc/workers=2", func(b *testing.B) {
		mp := measure(b, "multiproc", models.Config{Concurrency: 2}, tasks)
		if seq.tasks > 0 {
			b.ReportMetric(seq.perTask(seq.wall)/mp.perTask(mp.wall), "x-vs-sequential")
		}
	})
}

// BenchmarkCrossover sweeps the CPU size of a task (sha256 units) to find
// where NumCPU worker processes start to beat the sequential model; the
// crossover is logged (go test -v) as the smallest size with
// x-vs-sequential > 1 on span.
func BenchmarkCrossover(b *testing.B) {
	sizes := []uint32{1, 4, 16, 32, 64, 128, 256}
	cross := map[int]uint32{}
	for _, u := range sizes {
		n := 1000
		if u > 64 {
			n = 300
		}
		tasks, err := workload.Build("cpu-hash", n, workload.Params{Units: u})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("units=%d", u), func(b *testing.B) {
			var seq measured
			b.Run("model=sequential", func(b *testing.B) {
				seq = measure(b, "sequential", models.Config{}, tasks)
			})
			for _, depth := range []int{1, 8} {
				b.Run(fmt.Sprintf("model=multiproc/depth=%d", depth), func(b *testing.B) {
					mp := measure(b, "multiproc", models.Config{Depth: depth}, tasks)
					if seq.tasks == 0 {
						return
					}
					x := seq.perTask(seq.span) / mp.perTask(mp.span)
					b.ReportMetric(x, "x-vs-sequential")
					if _, ok := cross[depth]; !ok && x > 1 {
						cross[depth] = u
					}
				})
			}
		})
	}
	for _, depth := range []int{1, 8} {
		if u, ok := cross[depth]; ok {
			b.Logf("crossover at depth %d on %d workers: multiproc beats sequential from %d sha256 units per task (~%v)",
				depth, runtime.NumCPU(), u, cpuTime(u))
		} else {
			b.Logf("crossover at depth %d: multiproc slower than sequential up to %d units", depth, sizes[len(sizes)-1])
		}
	}
}

// cpuTime times one task of u sha256 units.
func cpuTime(u uint32) time.Duration {
	t0 := time.Now()
	workload.RunCPU(workload.SHA256, u, 1)
	return time.Since(t0)
}
