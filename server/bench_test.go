package server_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/server"
	"concbench/workload"
)

// procCPU returns the user+system CPU time of process pid from /proc.
func procCPU(b *testing.B, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15 (1-based), in clock ticks (100 Hz on Linux).
	f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	var ut, st int64
	fmt.Sscan(f[11], &ut)
	fmt.Sscan(f[12], &st)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU returns this process's user+system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// parallelism is how many client goroutines per GOMAXPROCS the benchmarks
// run (RunParallel), so the server sees several concurrent connections.
const parallelism = 8

// spawnWithClient starts the latency server as its own process and a
// blocking Exec against it; both are stopped when the benchmark ends.
func spawnWithClient(b *testing.B) (*server.Process, *workload.Exec) {
	b.Helper()
	proc, err := server.Spawn(context.Background(), server.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { proc.Stop() })
	ex, err := workload.NewExec(workload.Env{ServerAddr: proc.Addr()}, 1024)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ex.Close() })
	return proc, ex
}

// BenchmarkServer measures the latency server alone, as a separate
// process, answering delay=0 requests over keep-alive connections:
// requests/s and server CPU microseconds per request.
func BenchmarkServer(b *testing.B) {
	for _, size := range []int64{0, 1024, 65536} {
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			proc, ex := spawnWithClient(b)
			task := workload.Task{Steps: []workload.Step{workload.NetStep(0, size)}}
			b.SetParallelism(parallelism)
			cpu0, t0 := procCPU(b, proc.PID()), time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := ex.Step(context.Background(), task, 0, 0); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			wall, cpu := time.Since(t0), procCPU(b, proc.PID())-cpu0
			b.ReportMetric(float64(b.N)/wall.Seconds(), "req/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/req")
		})
	}
}

// BenchmarkExecNet measures the client side of a Net step on the blocking
// Exec (what sequential, goroutines and pool run) against a server in a
// separate process: client CPU microseconds per request.
func BenchmarkExecNet(b *testing.B) {
	for _, par := range []int{0, parallelism} {
		name := "clients=1"
		if par > 0 {
			name = fmt.Sprintf("clients=%dxGOMAXPROCS", par)
		}
		b.Run(name, func(b *testing.B) {
			_, ex := spawnWithClient(b)
			task := workload.Task{Steps: []workload.Step{workload.NetStep(0, 1024)}}
			ctx := context.Background()
			b.ReportAllocs()
			cpu0, t0 := selfCPU(), time.Now()
			b.ResetTimer()
			if par == 0 {
				for i := 0; i < b.N; i++ {
					if _, err := ex.Step(ctx, task, 0, 0); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism(par)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := ex.Step(ctx, task, 0, 0); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.StopTimer()
			wall, cpu := time.Since(t0), selfCPU()-cpu0
			b.ReportMetric(float64(b.N)/wall.Seconds(), "req/s")
			b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-us/req")
		})
	}
}
