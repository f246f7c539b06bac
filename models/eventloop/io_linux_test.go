//go:build linux

package eventloop

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/workload/httpwire/httpwiretest"

	"concbench/models"
	"concbench/server"
	"concbench/workload"
)

// checkFDs fails the test if it ends with more or fewer open fds than it
// began with. Register it first, so it runs after the other cleanups. A
// socket of the in-process latency server may close a moment after the
// server stopped (Go closes an fd when the goroutine reading it lets go),
// so the count is re-read until it settles, for at most fdSettle; a leaked
// fd never does.
func checkFDs(t *testing.T) {
	t.Helper()
	before := countFDs(t)
	t.Cleanup(func() {
		after := countFDs(t)
		for wait := time.Now().Add(fdSettle); after != before && time.Now().Before(wait); after = countFDs(t) {
			time.Sleep(5 * time.Millisecond)
		}
		if after != before {
			t.Errorf("%d fds open before the test, %d after (%v later)", before, after, fdSettle)
		}
	})
}

// fdSettle bounds how long checkFDs waits for sockets closing late.
const fdSettle = 2 * time.Second

// startServer runs the latency server in-process for the test.
func startServer(t *testing.T) *server.Server {
	t.Helper()
	s, err := server.Serve(context.Background(), server.Options{Addr: "127.0.0.1:0", MaxDelay: 10 * time.Second, MaxSize: 16 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// runEnv runs m on tasks under load with env.
func runEnv(t testing.TB, m models.Model, tasks []workload.Task, load models.Load, env workload.Env, track bool) (*models.Trial, error) {
	t.Helper()
	tr := models.NewTrial(context.Background(), tasks, load, env, track)
	t.Cleanup(tr.Close)
	tr.SetNonce(testNonce)
	return tr, m.Run(tr.Context(), tr)
}

// mustRunEnv runs a trial that must succeed with verified results (data
// files, if any, made with the default params or filesParams[0]), every
// step on one OS thread when track is set.
func mustRunEnv(t testing.TB, m models.Model, tasks []workload.Task, load models.Load, env workload.Env, track bool, filesParams ...workload.Params) *models.Trial {
	t.Helper()
	tr, err := runEnv(t, m, tasks, load, env, track)
	if err != nil {
		t.Fatal(err)
	}
	var p workload.Params
	if len(filesParams) > 0 {
		p = filesParams[0]
	}
	if _, err := workload.Check(tasks, tr.Rec.Result, nonced(p)); err != nil {
		t.Fatal(err)
	}
	if got := tr.Rec.Finished(); got != int64(len(tasks)) {
		t.Fatalf("%d of %d tasks finished", got, len(tasks))
	}
	if track {
		tid := tr.Rec.Tids[0]
		for i, got := range tr.Rec.Tids {
			if got <= 0 || got != tid {
				t.Fatalf("task %d ran on thread %d, task 0 on %d: want one thread for every step", i, got, tid)
			}
		}
	}
	return tr
}

// TestNetConcurrency: 200 Net steps of 50 ms are all in flight at once on
// the loop's one thread, each with its own body's digest.
func TestNetConcurrency(t *testing.T) {
	checkFDs(t)
	srv := startServer(t)
	const n = 200
	tasks := build(t, "io-net", n, workload.Params{NetDelay: 50 * time.Millisecond, NetSize: 3000})
	tr := mustRunEnv(t, newLoop(t, models.Config{}), tasks, models.Load{}, workload.Env{ServerAddr: srv.Addr()}, true)
	if p := tr.Rec.PeakInflight(); p != n {
		t.Fatalf("peak in-flight %d, want %d", p, n)
	}
	if got := srv.Requests(); got != n {
		t.Fatalf("server answered %d requests, want %d", got, n)
	}
	for i, res := range tr.Rec.Result {
		if want := workload.Mix(0, workload.NetDigest(workload.NetSeed(uint32(i), 0), 3000)); res != want {
			t.Fatalf("task %d result %#x: not the digest of its 3000-byte body (%#x)", i, res, want)
		}
	}
}

// TestNetLargeAndEmpty: bodies larger than the read buffer (several reads
// per response) and empty ones, under a closed load that reuses
// connections.
func TestNetLargeAndEmpty(t *testing.T) {
	checkFDs(t)
	srv := startServer(t)
	steps := []workload.Step{workload.NetStep(0, 1<<20), workload.NetStep(0, 0), workload.NetStep(time.Millisecond, 70000)}
	tasks := make([]workload.Task, 40)
	for i := range tasks {
		tasks[i] = workload.Task{ID: uint32(i), Steps: steps}
	}
	mustRunEnv(t, newLoop(t, models.Config{}), tasks, models.Load{Shape: models.Closed, Clients: 4}, workload.Env{ServerAddr: srv.Addr()}, true)
}

// TestMixed: Net -> CPU -> Net, the CPU step inline on the loop thread.
func TestMixed(t *testing.T) {
	checkFDs(t)
	srv := startServer(t)
	tasks := build(t, "mixed", 100, workload.Params{NetDelay: 5 * time.Millisecond, NetSize: 512, Units: 4})
	tr := mustRunEnv(t, newLoop(t, models.Config{Concurrency: 20}), tasks, models.Load{}, workload.Env{ServerAddr: srv.Addr()}, true)
	if p := tr.Rec.PeakInflight(); p != 20 {
		t.Fatalf("peak in-flight %d, want the limit 20", p)
	}
	if p := tr.Rec.PeakCPU(); p != 1 {
		t.Fatalf("peak concurrent CPU steps %d, want 1", p)
	}
}

// TestFileReal: io-file on real data files, read by the thread pool and
// resumed on the loop thread; with O_DIRECT too where the file system
// allows it (where it does not, the trial fails with a clear error).
func TestFileReal(t *testing.T) {
	checkFDs(t)
	p := workload.Params{ReadSize: 4096, FileSize: 1 << 20, Files: 3, Key: workload.NewSecret()}
	files, err := workload.MakeFiles(t.TempDir(), p)
	if err != nil {
		t.Fatal(err)
	}
	tasks := build(t, "io-file", 300, p)
	mustRunEnv(t, newLoop(t, models.Config{Threads: 2}), tasks, models.Load{}, workload.Env{Files: files}, true, p)

	t.Run("direct", func(t *testing.T) {
		odd := make([]workload.Task, len(tasks))
		for i := range odd {
			// Unaligned offsets and sizes: the reader widens the window.
			odd[i] = workload.Task{ID: uint32(i), Steps: []workload.Step{workload.FileStep(int64(i*4099)%(1<<19), 1000+int64(i))}}
		}
		// Whether this file system takes O_DIRECT is observed first: where
		// it does not, the trial must fail with the one clear line saying so.
		fd, err := syscall.Open(files[0], syscall.O_RDONLY|syscall.O_DIRECT|syscall.O_CLOEXEC, 0)
		if err != nil {
			_, rerr := runEnv(t, newLoop(t, models.Config{}), odd, models.Load{}, workload.Env{Files: files, Direct: true}, false)
			if rerr == nil || !strings.Contains(rerr.Error(), "O_DIRECT is not supported on this file system") {
				t.Fatalf("O_DIRECT refused here (%v): Run returned %v, want the clear error", err, rerr)
			}
			return
		}
		syscall.Close(fd)
		mustRunEnv(t, newLoop(t, models.Config{}), odd, models.Load{}, workload.Env{Files: files, Direct: true}, true, p)
	})

	t.Run("short", func(t *testing.T) {
		bad := []workload.Task{{Steps: []workload.Step{workload.FileStep(1<<20-10, 100)}}}
		_, err := runEnv(t, newLoop(t, models.Config{}), bad, models.Load{}, workload.Env{Files: files}, false)
		if err == nil || !strings.Contains(err.Error(), "short read") {
			t.Fatalf("read past EOF: Run returned %v, want a short read", err)
		}
	})

	t.Run("missing", func(t *testing.T) {
		_, err := runEnv(t, newLoop(t, models.Config{}), tasks, models.Load{}, workload.Env{Files: []string{files[0], t.TempDir() + "/nope"}}, false)
		if !errors.Is(err, syscall.ENOENT) {
			t.Fatalf("missing file: Run returned %v, want ENOENT", err)
		}
	})
}

// closedAddr returns a loopback address with nothing listening.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestNetRefused(t *testing.T) {
	checkFDs(t)
	addr := closedAddr(t)
	tasks := build(t, "io-net", 50, workload.Params{})
	_, err := runEnv(t, newLoop(t, models.Config{}), tasks, models.Load{}, workload.Env{ServerAddr: addr}, false)
	want := "connect " + addr + ": connection refused"
	if err == nil || !strings.Contains(err.Error(), want) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Run returned %v, want %q", err, want)
	}
	var ne *workload.NetError
	if !errors.As(err, &ne) {
		t.Fatalf("%v is not a *workload.NetError", err)
	}
	t.Logf("unreachable server: %v", err)
}

// TestNetServerClosed: the server goes away mid-run; the trial fails, no
// hang, no fd left.
func TestNetServerClosed(t *testing.T) {
	checkFDs(t)
	srv, err := server.Serve(context.Background(), server.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	steps := make([]workload.Step, 20)
	for k := range steps {
		steps[k] = workload.NetStep(20*time.Millisecond, 100)
	}
	tasks := make([]workload.Task, 20)
	for i := range tasks {
		tasks[i] = workload.Task{ID: uint32(i), Steps: steps}
	}
	time.AfterFunc(100*time.Millisecond, func() { srv.Close() })
	defer srv.Close()
	start := time.Now()
	_, err = runEnv(t, newLoop(t, models.Config{}), tasks, models.Load{}, workload.Env{ServerAddr: srv.Addr()}, false)
	if err == nil {
		t.Fatal("Run succeeded against a closed server")
	}
	if time.Since(start) > 10*time.Second {
		t.Fatalf("Run took %v", time.Since(start))
	}
	t.Logf("server closed mid-run: %v", err)
}

// TestNetKeepAlive: one client's tasks share one connection.
func TestNetKeepAlive(t *testing.T) {
	checkFDs(t)
	f := httpwiretest.New(t, func(c net.Conn, req *http.Request) bool {
		if req.URL.Path != "/io" || req.Header.Get("Connection") != "keep-alive" {
			return false
		}
		return httpwiretest.Answer(c, req, httpwiretest.ReqSize(req))
	})
	tasks := build(t, "mixed", 30, workload.Params{NetSize: 100, Units: 1})
	mustRunEnv(t, newLoop(t, models.Config{}), tasks, models.Load{Shape: models.Closed, Clients: 1}, workload.Env{ServerAddr: f.Addr()}, true)
	if n := f.Accepted(); n != 1 {
		t.Fatalf("%d connections for one client's 60 steps, want 1 (keep-alive)", n)
	}
	// A closed load of 4 clients needs 4 connections.
	before := f.Accepted()
	mustRunEnv(t, newLoop(t, models.Config{}), build(t, "io-net", 40, workload.Params{NetSize: 10}), models.Load{Shape: models.Closed, Clients: 4}, workload.Env{ServerAddr: f.Addr()}, false)
	if n := f.Accepted() - before; n != 4 {
		t.Fatalf("%d connections for 4 clients, want 4", n)
	}
}

// TestNetStaleRetry: the server closes every connection after one response
// without saying so; the steps that find their connection dead retry once
// on a fresh one and succeed.
func TestNetStaleRetry(t *testing.T) {
	checkFDs(t)
	f := httpwiretest.New(t, func(c net.Conn, req *http.Request) bool {
		httpwiretest.Answer(c, req, httpwiretest.ReqSize(req))
		return false
	})
	steps := make([]workload.Step, 10)
	for k := range steps {
		steps[k] = workload.NetStep(0, 10)
	}
	tasks := []workload.Task{{Steps: steps}, {ID: 1, Steps: steps}}
	mustRunEnv(t, newLoop(t, models.Config{}), tasks, models.Load{}, workload.Env{ServerAddr: f.Addr()}, true)
	if n := f.Accepted(); n != 20 {
		t.Fatalf("%d connections, want 20 (one per response)", n)
	}
}

// TestNetFaults: every way a response can go wrong fails the trial with a
// message naming the cause, closes the connection and leaks no fd.
func TestNetFaults(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(c net.Conn, req *http.Request) bool
		size    int64
		timeout time.Duration
		want    string
	}{
		{"eof-mid-body", func(c net.Conn, req *http.Request) bool {
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
			return false
		}, 100, 0, "read response: unexpected EOF after 43 bytes"},
		{"eof-before-response", func(c net.Conn, req *http.Request) bool { return false }, 10, 0, "read response: unexpected EOF after 0 bytes"},
		{"malformed", func(c net.Conn, req *http.Request) bool {
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			return true
		}, 10, 0, "read response: malformed HTTP response: Transfer-Encoding"},
		{"status", func(c net.Conn, req *http.Request) bool {
			fmt.Fprintf(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 9\r\n\r\ntoo big\r\n")
			return true
		}, 10, 0, "read response: server answered 400: too big"},
		{"wrong-size", func(c net.Conn, req *http.Request) bool { return httpwiretest.Answer(c, req, 7) }, 10, 0, "response has 7 body bytes, want 10"},
		{"extra-bytes", func(c net.Conn, req *http.Request) bool {
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabEXTRA")
			return true
		}, 2, 0, "read response: 5 unexpected bytes after the response"},
		{"timeout", func(c net.Conn, req *http.Request) bool {
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
			var b [1]byte
			c.Read(b[:]) // until the client gives up
			return false
		}, 10, 100 * time.Millisecond, "read response: timeout after 100ms (42 bytes received)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkFDs(t)
			f := httpwiretest.New(t, tc.handle)
			tasks := []workload.Task{{ID: 7, Steps: []workload.Step{workload.NetStep(0, tc.size)}}}
			start := time.Now()
			_, err := runEnv(t, newLoop(t, models.Config{}), tasks, models.Load{}, workload.Env{ServerAddr: f.Addr(), StepTimeout: tc.timeout}, false)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "task 7") {
				t.Fatalf("Run returned %v, want %q", err, tc.want)
			}
			if tc.timeout > 0 && time.Since(start) > 20*tc.timeout {
				t.Fatalf("timeout of %v took %v", tc.timeout, time.Since(start))
			}
			t.Logf("%v", err)
		})
	}
}

// TestNetConnectTimeout: a connect that never completes times out. The
// server is a listener with backlog 0 that never accepts: connections are
// made until the kernel reports its accept queue full (/proc/net/tcp: more
// connections queued on the listener than its backlog, the kernel's
// sk_acceptq_is_full), after which the kernel drops every SYN to it
// (LISTENOVERFLOWS) and a connect hangs.
func TestNetConnectTimeout(t *testing.T) {
	checkFDs(t)
	ln, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(ln)
	if err := syscall.Bind(ln, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	const backlog = 0
	if err := syscall.Listen(ln, backlog); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(ln)
	if err != nil {
		t.Fatal(err)
	}
	port := sa.(*syscall.SockaddrInet4).Port
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var fill []net.Conn
	defer func() {
		for _, c := range fill {
			c.Close()
		}
	}()
	for {
		queued := listenQueued(t, port)
		if queued > backlog {
			break // full: the kernel drops further SYNs
		}
		if len(fill) > 64 {
			t.Fatalf("%d connections made, the listener reports %d queued with backlog %d", len(fill), queued, backlog)
		}
		// The queue has room, so this handshake completes.
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fill = append(fill, c)
	}
	t.Logf("accept queue full after %d connections (backlog %d)", len(fill), backlog)
	tasks := []workload.Task{{Steps: []workload.Step{workload.NetStep(0, 1)}}}
	_, err = runEnv(t, newLoop(t, models.Config{}), tasks, models.Load{}, workload.Env{ServerAddr: addr, StepTimeout: 50 * time.Millisecond}, false)
	want := "connect " + addr + ": timeout after 50ms"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Run returned %v, want %q", err, want)
	}
}

// listenQueued reads how many connections wait in the accept queue of the
// IPv4 loopback listener on port, from /proc/net/tcp: for a socket in
// LISTEN (state 0A) the kernel shows that count as rx_queue.
func listenQueued(t *testing.T, port int) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	local := fmt.Sprintf("0100007F:%04X", port)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 || f[1] != local || f[3] != "0A" {
			continue
		}
		_, rx, _ := strings.Cut(f[4], ":")
		queued, err := strconv.ParseInt(rx, 16, 64)
		if err != nil {
			t.Fatalf("/proc/net/tcp: listener %s: queue %q: %v", local, f[4], err)
		}
		return queued
	}
	t.Fatalf("no listener on %s in /proc/net/tcp", local)
	return 0
}

// TestNetCancel: cancelling a trial whose tasks wait on the server returns
// promptly and closes every socket.
func TestNetCancel(t *testing.T) {
	checkFDs(t)
	srv := startServer(t)
	tasks := build(t, "io-net", 100, workload.Params{NetDelay: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr := models.NewTrial(ctx, tasks, models.Load{}, workload.Env{ServerAddr: srv.Addr()}, false)
	defer tr.Close()
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := newLoop(t, models.Config{}).Run(ctx, tr)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("Run took %v to notice the cancellation", took)
	}
	if p := tr.Rec.PeakInflight(); p != 100 {
		t.Fatalf("peak in-flight %d, want 100", p)
	}
}

// TestNetTimeoutReal: a step slower than the step timeout fails with a
// timeout against the real server, while steps that each fit in it go on
// reusing a connection whose earlier deadline timer is still pending
// (24 steps of 50 ms under a 1 s timeout: each step's timer fires during
// a later step and re-arms; each step has 20x its delay of slack, for a
// busy machine).
func TestNetTimeoutReal(t *testing.T) {
	checkFDs(t)
	srv := startServer(t)
	env := workload.Env{ServerAddr: srv.Addr(), StepTimeout: time.Second}
	steps := make([]workload.Step, 24)
	for k := range steps {
		steps[k] = workload.NetStep(50*time.Millisecond, 10)
	}
	ok := []workload.Task{{Steps: steps}, {ID: 1, Steps: steps}}
	mustRunEnv(t, newLoop(t, models.Config{}), ok, models.Load{}, env, true)

	const delay = 2 * time.Second
	slow := build(t, "io-net", 10, workload.Params{NetDelay: delay})
	env.StepTimeout = 100 * time.Millisecond
	start := time.Now()
	_, err := runEnv(t, newLoop(t, models.Config{}), slow, models.Load{}, env, false)
	if err == nil || !strings.Contains(err.Error(), "read response: timeout after 100ms") {
		t.Fatalf("Run returned %v, want a timeout", err)
	}
	if took := time.Since(start); took >= delay {
		t.Fatalf("Run took %v, the server's delay: it waited for the answers instead of timing out", took)
	}
}
