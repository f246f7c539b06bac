//go:build linux

package eventloop

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"concbench/models"
	"concbench/server"
	"concbench/workload"
	"concbench/workload/taskhttp"
)

// loopServe runs the event-loop server on a loopback port for tasks with
// env; stop shuts it down and returns Serve's error.
func loopServe(t *testing.T, tasks []workload.Task, env workload.Env) (h *models.Handling, stop func() error) {
	t.Helper()
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	h = &models.Handling{Listener: ln, Tasks: tasks, Env: env, Ready: func() { close(ready) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- newLoop(t, models.Config{}).(models.Server).Serve(ctx, h) }()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("Serve returned before it was ready: %v", err)
	}
	var once sync.Once
	var serr error
	stop = func() error {
		once.Do(func() {
			cancel()
			serr = <-done
		})
		return serr
	}
	t.Cleanup(func() { stop() })
	return h, stop
}

// answer is one request's outcome at the client.
type answer struct {
	task int
	a    taskhttp.Answer
	err  error
}

// request sends the tasks idx on one keep-alive connection, one at a
// time, and returns their answers.
func request(addr string, idx []int, nonce uint64) []answer {
	var out []answer
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return []answer{{task: -1, err: err}}
	}
	defer c.Close()
	r := bufio.NewReader(c)
	var buf []byte
	for _, i := range idx {
		buf = taskhttp.AppendRequest(buf[:0], i, nonce)
		if _, err := c.Write(buf); err != nil {
			return append(out, answer{task: i, err: err})
		}
		a, _, err := taskhttp.ReadResponse(r)
		out = append(out, answer{task: i, a: a, err: err})
		if err != nil {
			return out
		}
	}
	return out
}

// threadOf reports whether tid is an OS thread of this process, as /proc
// lists them.
func threadOf(tid int) bool {
	_, err := os.Stat("/proc/self/task/" + strconv.Itoa(tid))
	return err == nil
}

// procThreads is the number of OS threads of this process (/proc).
func procThreads(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// peakOverlap is the most ledger requests in progress at once (between
// the latency server receiving each and answering it): Net steps in
// flight together, each on its own connection (HTTP/1.1, no pipelining).
func peakOverlap(entries []server.Entry) int {
	type edge struct {
		at int64
		d  int
	}
	var ev []edge
	for _, e := range entries {
		ev = append(ev, edge{e.Accept, 1}, edge{e.Answer, -1})
	}
	slices.SortFunc(ev, func(a, b edge) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return a.d - b.d // an answer before an accept at the same ns
	})
	cur, peak := 0, 0
	for _, e := range ev {
		cur += e.d
		peak = max(peak, cur)
	}
	return peak
}

// checkLedger verifies by the latency server's own ledger that every Net
// step of tasks was requested exactly once, with its delay and size, and
// answered.
func checkLedger(t *testing.T, tasks []workload.Task, entries []server.Entry) {
	t.Helper()
	bySeed := map[uint64][]server.Entry{}
	for _, e := range entries {
		bySeed[e.Seed] = append(bySeed[e.Seed], e)
	}
	steps := 0
	for _, tk := range tasks {
		for k, s := range tk.Steps {
			if s.Kind != workload.Net {
				continue
			}
			steps++
			got := bySeed[workload.NetSeed(tk.ID, k)]
			if len(got) != 1 {
				t.Fatalf("task %d step %d: the latency server's ledger has %d requests with its seed, want 1", tk.ID, k, len(got))
			}
			if e := got[0]; e.Delay != s.Dur || e.Size != s.Size || e.Answer == 0 {
				t.Fatalf("task %d step %d: ledger %+v, want delay %v size %d answered", tk.ID, k, e, s.Dur, s.Size)
			}
		}
	}
	if len(entries) != steps {
		t.Fatalf("the latency server's ledger has %d requests for %d Net steps", len(entries), steps)
	}
}

// TestServeNet: the event-loop server serves io-net and mixed, every
// request's answer verified against the digest of its task (Net bodies
// and CPU outputs), every answer from one OS thread of this process
// (/proc), every Net step in the latency server's ledger exactly once with
// its delay and size, many Net steps in flight at once (their ledger
// intervals overlap) while the process has fewer OS threads than that
// (no thread per step).
func TestServeNet(t *testing.T) {
	for _, tc := range []struct {
		preset string
		p      workload.Params
	}{
		{"io-net", workload.Params{NetDelay: 30 * time.Millisecond, NetSize: 3000}},
		{"mixed", workload.Params{NetDelay: 10 * time.Millisecond, NetSize: 700, Units: 4}},
	} {
		t.Run(tc.preset, func(t *testing.T) {
			checkFDs(t)
			srv := startServer(t)
			const n, clients = 600, 100
			tasks := build(t, tc.preset, n, tc.p)
			h, stop := loopServe(t, tasks, workload.Env{ServerAddr: srv.Addr()})
			addr := h.Listener.Addr().String()
			const nonce = 0x5e7e
			results := make([][]answer, clients)
			var wg sync.WaitGroup
			for c := range clients {
				var idx []int
				for i := c; i < n; i += clients {
					idx = append(idx, i)
				}
				wg.Go(func() { results[c] = request(addr, idx, nonce) })
			}
			threads := 0
			watch := time.NewTicker(5 * time.Millisecond)
			waited := make(chan struct{})
			go func() { wg.Wait(); close(waited) }()
		sample:
			for {
				select {
				case <-watch.C:
					threads = max(threads, procThreads(t))
				case <-waited:
					break sample
				}
			}
			watch.Stop()
			tids := map[int]int{}
			verified := 0
			for _, rs := range results {
				for _, r := range rs {
					if r.err != nil {
						t.Fatalf("task %d: %v", r.task, r.err)
					}
					p := tc.p
					p.Nonce = nonce
					if want := workload.Expected(tasks[r.task], p); r.a.Digest != want {
						t.Fatalf("task %d answered %#x, want %#x", r.task, r.a.Digest, want)
					}
					verified++
					tids[r.a.Tid]++
				}
			}
			if verified != n {
				t.Fatalf("%d of %d requests answered and verified", verified, n)
			}
			if len(tids) != 1 {
				t.Fatalf("answers came from %d OS threads %v, want 1", len(tids), tids)
			}
			for tid := range tids {
				if !threadOf(tid) {
					t.Fatalf("thread %d that answered is not in /proc/self/task", tid)
				}
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got := h.Served.Load(); got != n {
				t.Fatalf("server's ledger: %d served, want %d", got, n)
			}
			entries, dropped := srv.Ledger().Snapshot(false)
			if dropped > 0 {
				t.Fatalf("the latency server dropped %d ledger entries", dropped)
			}
			checkLedger(t, tasks, entries)
			peak := peakOverlap(entries)
			if peak <= 1 {
				t.Fatalf("at most %d Net step in flight at once (latency server's ledger), want many", peak)
			}
			t.Logf("%d requests verified on thread %v; peak %d Net steps in flight at once; at most %d OS threads in the process", verified, tids, peak, threads)
			if tc.preset == "io-net" && peak <= threads {
				t.Fatalf("peak %d Net steps in flight with %d OS threads in the process: want more steps in flight than threads", peak, threads)
			}
		})
	}
}

// TestServeNetFaults: a Net step that cannot complete answers 500 naming
// the step (no latency server configured, connection refused, timeout),
// and a client that goes away while its Net step waits leaves nothing
// behind: the server goes on serving, and every fd is closed at the end.
func TestServeNetFaults(t *testing.T) {
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}()
	for _, tc := range []struct {
		name  string
		env   workload.Env
		delay time.Duration
		want  string
	}{
		{"no server", workload.Env{}, 0, "step 0 net"},
		{"refused", workload.Env{ServerAddr: refused}, 0, "connect " + refused},
		{"timeout", workload.Env{ServerAddr: "latency", StepTimeout: 50 * time.Millisecond}, 5 * time.Second, "timeout after 50ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkFDs(t)
			if tc.env.ServerAddr == "latency" {
				tc.env.ServerAddr = startServer(t).Addr()
			}
			tasks := build(t, "io-net", 4, workload.Params{NetDelay: tc.delay, NetSize: 10})
			h, stop := loopServe(t, tasks, tc.env)
			rs := request(h.Listener.Addr().String(), []int{0}, 1)
			if len(rs) != 1 || rs[0].err == nil || !strings.Contains(rs[0].err.Error(), tc.want) {
				t.Fatalf("answers %+v, want an error naming %q", rs, tc.want)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("client gone", func(t *testing.T) {
		checkFDs(t)
		// The latency server's handler behind one that signals each
		// request's arrival.
		srv := startServer(t)
		arrived := make(chan struct{}, 4)
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			arrived <- struct{}{}
			srv.Handler().ServeHTTP(w, r)
		}))
		t.Cleanup(hs.Close)
		tasks := build(t, "io-net", 4, workload.Params{NetDelay: 300 * time.Millisecond, NetSize: 10})
		h, stop := loopServe(t, tasks, workload.Env{ServerAddr: hs.Listener.Addr().String()})
		addr := h.Listener.Addr().String()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write(taskhttp.AppendRequest(nil, 1, 1)); err != nil {
			t.Fatal(err)
		}
		<-arrived // the Net step is in flight when its client goes away
		c.Close()
		rs := request(addr, []int{2}, 1)
		if len(rs) != 1 || rs[0].err != nil {
			t.Fatalf("after a client left mid-step: %+v", rs)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		if got := h.Served.Load(); got != 1 {
			t.Fatalf("served %d, want 1 (the gone client's answer is not served)", got)
		}
	})
}
