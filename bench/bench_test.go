package bench

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"concbench/models"
	"concbench/workload"
)

// benchWorkloads are the (workload, tasks) cells of BenchmarkModels; -short
// keeps them small.
func benchWorkloads(short bool) []struct {
	name  string
	tasks int
} {
	if short {
		return []struct {
			name  string
			tasks int
		}{{"noop", 10000}, {"io-sleep", 200}, {"cpu-hash", 40}}
	}
	return []struct {
		name  string
		tasks int
	}{{"noop", 1000000}, {"io-sleep", 1000}, {"cpu-hash", 200}, {"blocking-mistake", 1000}}
}

// BenchmarkModels runs every model on each workload in-process and reports
// benchstat-friendly metrics. Names are key=value paths, so
//
//	go test -run '^$' -bench Models -count 5 ./bench/ > out.txt
//	benchstat -col /model out.txt
//
// compares the models as columns.
func BenchmarkModels(b *testing.B) {
	for _, w := range benchWorkloads(testing.Short()) {
		for _, m := range models.Names() {
			name := fmt.Sprintf("workload=%s/model=%s/tasks=%d", w.name, m, w.tasks)
			b.Run(name, func(b *testing.B) {
				skipUnavailable(b, m)
				spec := Spec{Model: m, Workload: w.name, Tasks: w.tasks}
				var last *Result
				for i := 0; i < b.N; i++ {
					res, err := Run(context.Background(), spec)
					if err != nil {
						b.Fatal(err)
					}
					last = res
				}
				reportMetrics(b, last)
			})
		}
	}
}

// skipUnavailable skips the benchmark of a model whose runtime this
// machine lacks (no node, a python3 without uvloop), with the reason and
// the fix, as Go's own benchmarks skip what the machine cannot run. The
// runtimes' tests, which CI requires, fail instead (runtimes_test.go).
func skipUnavailable(b *testing.B, model string) {
	b.Helper()
	info, err := models.Lookup(model)
	if err != nil {
		b.Fatal(err)
	}
	if err := info.Usable(); err != nil {
		// go test prints a benchmark's skip only with -v: say it once
		// per model on stderr, so `make bench` shows what it left out.
		if _, said := skipSaid.LoadOrStore(model, true); !said {
			fmt.Fprintf(os.Stderr, "skipping the benchmarks of %s: unavailable on this machine: %v\n", model, err)
		}
		b.Skipf("%s is unavailable on this machine: %v", model, err)
	}
}

// skipSaid records the models whose skip was printed.
var skipSaid sync.Map

// reportMetrics attaches a trial's figures to a benchmark line.
func reportMetrics(b *testing.B, r *Result) {
	b.ReportMetric(0, "ns/op") // a trial's wall time is makespan, below
	b.ReportMetric(r.Makespan*1e9/float64(r.Tasks), "ns/task")
	b.ReportMetric(r.Throughput, "tasks/s")
	b.ReportMetric(r.Latency.P50, "p50-ms")
	b.ReportMetric(r.Latency.P99, "p99-ms")
	b.ReportMetric(r.CPUCores, "cpu-cores")
	b.ReportMetric(float64(r.PeakInflight), "peak-inflight")
}

// BenchmarkOverhead measures per-task overhead of harness plus model on a
// batch of no-op tasks (the targets: sequential <= 0.1 us, pool
// <= 0.2 us, goroutines <= 0.5 us, eventloop <= 0.15 us per task).
func BenchmarkOverhead(b *testing.B) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	tasks, err := workload.Build("noop", n, workload.Params{})
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range models.Names() {
		b.Run(fmt.Sprintf("model=%s/tasks=%d", m, n), func(b *testing.B) {
			skipUnavailable(b, m)
			info, _ := models.Lookup(m)
			cfg := info.Resolve(models.Config{})
			var total int64
			for i := 0; i < b.N; i++ {
				model, err := info.New(cfg)
				if err != nil {
					b.Fatal(err)
				}
				tr := models.NewTrial(context.Background(), tasks, models.Load{}, workload.Env{}, false)
				tr.Rec.Reset()
				if err := model.Run(tr.Context(), tr); err != nil {
					b.Fatal(err)
				}
				total += tr.Rec.Now()
				tr.Close()
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(float64(total)/float64(b.N)/float64(n), "ns/task")
		})
	}
}
