//go:build linux

package eventloop

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"concbench/models"
	"concbench/server"
	"concbench/workload"

	"golang.org/x/sys/unix"
)

// BenchmarkNetCPU measures the client CPU the loop spends per Net request
// (connection reuse, request encoding, epoll, reads, parsing): batches of
// io-net tasks (delay 0, 1 KiB) against an in-process latency server. The
// trial runs on a goroutine locked to its OS thread, which Run's own lock
// nests into, so getrusage(RUSAGE_THREAD) on that thread is exactly the
// loop's CPU, without the server's. proc-cpu-us/req is the whole process
// (server included) for reference.
func BenchmarkNetCPU(b *testing.B) {
	srv, err := server.Serve(context.Background(), server.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for _, c := range []int{1, 32} {
		b.Run("conc="+strconv.Itoa(c), func(b *testing.B) {
			const n = 2000
			tasks := build(b, "io-net", n, workload.Params{NetDelay: time.Nanosecond, NetSize: 1024})
			m := newLoop(b, models.Config{Concurrency: c})
			env := workload.Env{ServerAddr: srv.Addr()}
			var loopCPU, procCPU time.Duration
			b.ResetTimer()
			for range b.N {
				tr := models.NewTrial(context.Background(), tasks, models.Load{}, env, false)
				errc := make(chan error, 1)
				go func() {
					runtime.LockOSThread()
					defer runtime.UnlockOSThread()
					t0, p0 := rusage(unix.RUSAGE_THREAD), rusage(unix.RUSAGE_SELF)
					err := m.Run(tr.Context(), tr)
					loopCPU += rusage(unix.RUSAGE_THREAD) - t0
					procCPU += rusage(unix.RUSAGE_SELF) - p0
					errc <- err
				}()
				err := <-errc
				tr.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			reqs := float64(b.N * n)
			b.ReportMetric(float64(loopCPU.Microseconds())/reqs, "cpu-us/req")
			b.ReportMetric(float64(procCPU.Microseconds())/reqs, "proc-cpu-us/req")
			b.ReportMetric(reqs/b.Elapsed().Seconds(), "req/s")
		})
	}
}

func rusage(who int) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(who, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
