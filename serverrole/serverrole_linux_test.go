//go:build linux

package serverrole

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/internal/proctree"
	"concbench/models"
	"concbench/workload"
)

func spec(model, load string, tasks int, sleep time.Duration, conc int) Spec {
	p := workload.DefaultParams
	p.Sleep = sleep
	return Spec{Model: model, Workload: "io-sleep", Params: p, Tasks: tasks, Load: load,
		Config: models.Config{Concurrency: conc}, Timeout: 2 * time.Minute}
}

// servers lists the registered models that can serve.
func servers(t *testing.T) []string {
	var out []string
	for _, n := range models.Names() {
		if Supports(n) == nil {
			out = append(out, n)
		}
	}
	for _, want := range []string{"sequential", "py-sequential", "py-asyncio", "py-uvloop", "py-threads", "py-processes", "node-eventloop", "node-workers"} {
		if !slices.Contains(out, want) {
			t.Fatalf("models with a server: %v, want the Go, Python and Node.js models (%s missing)", out, want)
		}
	}
	return out
}

// TestEveryServerServes: every model with a server answers every request
// with a verified digest, and its ledger agrees with the generator's.
func TestEveryServerServes(t *testing.T) {
	for _, m := range servers(t) {
		t.Run("model="+m, func(t *testing.T) {
			r, err := Run(context.Background(), spec(m, "open:400", 120, 5*time.Millisecond, 0))
			if err != nil {
				t.Fatal(err)
			}
			if r.Sent != 120 || r.Answered != 120 || r.Verified != 120 || r.Served != 120 {
				t.Errorf("sent %d answered %d verified %d served (server's ledger) %d, want 120 each", r.Sent, r.Answered, r.Verified, r.Served)
			}
			if r.Accepted != int64(r.Conns) {
				t.Errorf("server accepted %d connections, generator opened %d", r.Accepted, r.Conns)
			}
			if r.ServerCPU <= 0 || r.ServerRSS <= 0 {
				t.Errorf("server tree CPU %.3fs RSS %d: not measured", r.ServerCPU, r.ServerRSS)
			}
		})
	}
	if err := Supports("null"); err == nil || !strings.Contains(err.Error(), "no server") {
		t.Errorf("null: Supports = %v, want 'no server'", err)
	}
}

// TestServerDesigns observes what each server IS, from outside: under a
// closed load of C clients whose requests sleep long enough that all C
// connections are held at once, the fds the server process holds
// (/proc), the OS threads that answered (gettid in each answer), the
// processes that answered, and for the iterative server one connection
// per request.
func TestServerDesigns(t *testing.T) {
	const c = 24
	for _, tc := range []struct {
		model     string
		conc      int
		minFDs    int // connections held, counted in /proc
		threads   func(n int) bool
		processes int // at least
		pids      int // processes in the server's tree (/proc), at least
	}{
		{"goroutines", 0, c, func(n int) bool { return n >= 1 }, 1, 1},
		{"eventloop", 0, c, func(n int) bool { return n == 1 }, 1, 1},
		{"threads", 0, c, func(n int) bool { return n >= c }, 1, 1},
		{"pool", 4, c, func(n int) bool { return n >= 1 }, 1, 1},
		// The kernel hands each connection to one of the 3 workers
		// blocked in accept on the shared socket: several answer.
		{"multiproc", 3, c, func(n int) bool { return n >= 2 }, 2, 4},
		// The runtimes' servers run in the interpreter, a child of the
		// server process: the one event loop thread answers every
		// request.
		{"py-asyncio", 0, c, func(n int) bool { return n == 1 }, 1, 2},
		{"py-uvloop", 0, c, func(n int) bool { return n == 1 }, 1, 2},
		// gthread: the poller holds all 24 connections while 4 pool
		// threads run the requests (the window's floor below).
		{"py-threads", 4, c, func(n int) bool { return n >= 2 && n <= 4 }, 1, 2},
		{"node-eventloop", 0, c, func(n int) bool { return n == 1 }, 1, 2},
		// cluster: the primary hands connections round-robin to its 2
		// worker processes, each answering on its own loop thread.
		{"node-workers", 0, c, func(n int) bool { return n >= 2 }, 2, 4},
	} {
		t.Run("model="+tc.model, func(t *testing.T) {
			r, err := Run(context.Background(), spec(tc.model, "closed:"+strconv.Itoa(c), 4*c, 200*time.Millisecond, tc.conc))
			if err != nil {
				t.Fatal(err)
			}
			if r.ServerFDs < tc.minFDs {
				t.Errorf("server process tree held at most %d fds, want >= %d connections", r.ServerFDs, tc.minFDs)
			}
			// A prefork or cluster server's peak is the sum of its
			// workers' peaks: at least the server's.
			if r.PeakConns != c && !(tc.processes > 1 && r.PeakConns >= c) {
				t.Errorf("server's ledger: peak %d connections, want %d", r.PeakConns, c)
			}
			if !tc.threads(r.Threads) {
				t.Errorf("answers came from %d distinct OS threads", r.Threads)
			}
			if r.Processes < tc.processes || (tc.processes == 1 && r.Processes != 1) {
				t.Errorf("answers came from %d processes, want %d", r.Processes, tc.processes)
			}
			if r.ServerPIDs < tc.pids {
				t.Errorf("server tree had at most %d processes (/proc), want >= %d", r.ServerPIDs, tc.pids)
			}
			if tc.model == "threads" && r.ServerThreads < c {
				t.Errorf("server had at most %d OS threads (/proc) for %d connections", r.ServerThreads, c)
			}
			if tc.model == "multiproc" && r.ServerPIDs < 1+tc.conc {
				t.Errorf("server tree had at most %d processes, want the server and %d workers", r.ServerPIDs, tc.conc)
			}
			if tc.model == "pool" || tc.model == "py-threads" {
				// 4 workers, 96 requests of 200 ms: at least 24 x 200 ms.
				if floor := float64(4*c/tc.conc) * 0.2; r.Window < floor {
					t.Errorf("window %.3fs below the floor %.1fs of %d workers", r.Window, floor, tc.conc)
				}
			}
		})
	}
	for _, m := range []string{"sequential", "py-sequential"} {
		t.Run("model="+m, func(t *testing.T) {
			r, err := Run(context.Background(), spec(m, "closed:4", 20, 5*time.Millisecond, 0))
			if err != nil {
				t.Fatal(err)
			}
			// An iterative server: one connection at a time, closed after
			// each request, so the generator dialled once per request.
			if r.PeakConns != 1 || r.Conns != 20 || r.Accepted != 20 {
				t.Errorf("peak connections %d (want 1), generator connections %d and accepted %d (want 20)", r.PeakConns, r.Conns, r.Accepted)
			}
		})
	}
	t.Run("model=py-processes", func(t *testing.T) {
		// Prefork sync workers (gunicorn's): 3 processes forked after the
		// socket exists, each accepting on it and answering one request
		// per connection; under 6 clients, several answer.
		const p = 3
		r, err := Run(context.Background(), spec("py-processes", "closed:6", 24, 50*time.Millisecond, p))
		if err != nil {
			t.Fatal(err)
		}
		if r.Processes < 2 || r.ServerPIDs < 2+p {
			t.Errorf("answers came from %d processes (want >= 2); server tree had at most %d processes (want >= %d)", r.Processes, r.ServerPIDs, 2+p)
		}
		if r.PeakConns > p || r.Conns != 24 || r.Accepted != 24 {
			t.Errorf("peak connections %d (want <= %d), generator connections %d and accepted %d (want 24)", r.PeakConns, p, r.Conns, r.Accepted)
		}
	})
}

// TestCheck: a trial is invalid when the generator fell behind its
// schedule or saturated, or when the server's ledger disagrees with what
// the generator observed.
func TestCheck(t *testing.T) {
	good := Result{Spec: Spec{Tasks: 10}, Sent: 10, Answered: 10, Verified: 10, Served: 10, Accepted: 3, Conns: 3, LagP99: 0.5, GenCores: 0.1}
	for _, tc := range []struct {
		name string
		edit func(*Result)
		want string
	}{
		{"valid", func(*Result) {}, ""},
		{"lag", func(r *Result) { r.LagP99 = 25 }, "fell behind"},
		{"saturated", func(r *Result) { r.GenCores = 0.95 }, "saturated"},
		{"ledger", func(r *Result) { r.Served = 11 }, "ledger"},
		{"lost", func(r *Result) { r.Answered = 9 }, "answers"},
		{"unverified", func(r *Result) { r.Verified = 0 }, "verified"},
		{"accepted", func(r *Result) { r.Accepted = 2 }, "accepted"},
		{"idle held", func(r *Result) {
			r.Spec.Load, r.IdleFDs, r.Served, r.Answered, r.Sent, r.Verified = "idle:10", 10, 10, 10, 10, 10
		}, ""},
		{"idle not held", func(r *Result) { r.Spec.Load, r.IdleFDs = "idle:10", 4 }, "fds"},
	} {
		r := good
		tc.edit(&r)
		got := strings.Join(check(&r), "; ")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: check = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestGeneratorSchedule: the open-loop generator sends request i at its
// intended time (the schedule bench.ParseLoad computes), whatever the
// server does, and its lag is measured against that schedule.
func TestGeneratorSchedule(t *testing.T) {
	r, err := Run(context.Background(), spec("sequential", "open:200", 40, 20*time.Millisecond, 0))
	if err != nil {
		t.Fatal(err)
	}
	// The iterative server answers at most one request per 20 ms while
	// they arrive every 5 ms: the last of 40, intended at 195 ms, cannot
	// be answered before 40 x 20 ms, so its latency from its intended
	// send includes >= 605 ms of queueing (coordinated omission would hide
	// it), while the generator kept its own schedule far better.
	if r.Max < 605 {
		t.Errorf("max latency %.1f ms, want >= 605 ms of queueing behind the iterative server", r.Max)
	}
	if r.LagMax >= r.Max/2 {
		t.Errorf("generator lag %.1f ms is not small beside the latency %.1f ms", r.LagMax, r.Max)
	}
}

// children lists this process's live child processes.
func children(t *testing.T) []int {
	if _, err := os.ReadDir("/proc"); err != nil {
		t.Fatal(err)
	}
	return childPIDs()
}

// childPIDs lists this process's live child processes (none if /proc
// cannot be read).
func childPIDs() []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	me := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		k := strings.LastIndexByte(string(b), ')')
		if f := strings.Fields(string(b[k+1:])); len(f) > 1 && f[1] == me && f[0] != "Z" {
			p, _ := strconv.Atoi(e.Name())
			out = append(out, p)
		}
	}
	return out
}

// alive returns the processes of pids that still exist (not zombies).
func alive(pids []int) []int {
	var out []int
	for _, p := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
		if err != nil {
			continue
		}
		k := strings.LastIndexByte(string(b), ')')
		if f := strings.Fields(string(b[k+1:])); len(f) > 0 && f[0] != "Z" {
			out = append(out, p)
		}
	}
	return out
}

// sockets counts the sockets held by pid and its descendants.
func sockets(pid int) int {
	n := 0
	for _, p := range proctree.Tree(pid, nil) {
		dir := "/proc/" + strconv.Itoa(p) + "/fd/"
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if l, err := os.Readlink(dir + e.Name()); err == nil && strings.HasPrefix(l, "socket:") {
				n++
			}
		}
	}
	return n
}

// TestServerKilled: the server process (or, for a runtime model, its
// interpreter) killed mid-trial fails the trial with a message naming the
// server, promptly, and leaves no process behind (prefork and cluster
// workers, interpreters, die with their server).
func TestServerKilled(t *testing.T) {
	for _, tc := range []struct {
		model string
		tree  int  // processes in the server's tree when it serves, at least
		inner bool // kill the interpreter, not the server process
	}{
		{"goroutines", 1, false},
		{"multiproc", 2, false},
		// The interpreter (and its prefork or cluster workers) is a child
		// of the server process.
		{"py-processes", 3, false},
		{"node-workers", 3, false},
		{"py-asyncio", 2, false},
		{"node-eventloop", 2, true},
		{"py-processes", 3, true},
	} {
		m := tc.model
		t.Run(fmt.Sprintf("model=%s/interpreter=%v", m, tc.inner), func(t *testing.T) {
			before := children(t)
			done := make(chan error, 1)
			go func() {
				_, err := Run(context.Background(), spec(m, "open:100", 3000, 10*time.Millisecond, 0))
				done <- err
			}()
			var victim int
			for victim == 0 {
				select {
				case err := <-done:
					t.Fatalf("trial ended before the kill: %v", err)
				case <-time.After(50 * time.Millisecond):
				}
				// The server, once it serves with its whole tree up: it (or its workers) holds
				// connections from the generator.
				for _, p := range children(t) {
					env, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/environ")
					if strings.Contains(string(env), "CONCBENCH_ROLE="+ServerRole+"\x00") && sockets(p) >= 3 && len(proctree.Tree(p, nil)) >= tc.tree {
						victim = p
					}
				}
			}
			// Its whole tree (interpreter, prefork or cluster workers) must
			// go with it, not only the processes this test started.
			doomed := proctree.Tree(victim, nil)
			if len(doomed) < tc.tree {
				t.Errorf("server tree %v, want >= %d processes", doomed, tc.tree)
			}
			if tc.inner {
				victim = doomed[1] // the server's one child
			}
			if err := syscall.Kill(victim, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "server") {
					t.Errorf("trial with its server killed: err %v, want one naming the server", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("trial did not end within 30s of its server being killed")
			}
			deadline := time.Now().Add(10 * time.Second)
			for !slices.Equal(children(t), before) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if got := children(t); !slices.Equal(got, before) {
				t.Errorf("child processes left: %v (before: %v)", got, before)
			}
			for !slices.Equal(alive(doomed), nil) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
			if left := alive(doomed); left != nil {
				t.Errorf("processes of the killed server's tree left: %v (of %v)", left, doomed)
			}
		})
	}
}

// TestIdleConnectionsHeld is the C10k experiment in small: 300 keep-alive
// connections opened, each answered once, then held idle while the parent
// counts the server's fds and threads in /proc. The event loop holds them
// all on its few threads; the thread server needs a thread each.
func TestIdleConnectionsHeld(t *testing.T) {
	const n = 300
	for _, tc := range []struct {
		model   string
		threads func(int) bool
	}{
		{"eventloop", func(th int) bool { return th < 32 }},
		{"goroutines", func(th int) bool { return th < 64 }},
		{"threads", func(th int) bool { return th >= n }},
		{"py-asyncio", func(th int) bool { return th < 32 }},
		{"node-eventloop", func(th int) bool { return th < 32 }},
	} {
		t.Run("model="+tc.model, func(t *testing.T) {
			s := spec(tc.model, "idle:"+strconv.Itoa(n), 50, time.Millisecond, 0)
			s.Workload = "noop"
			r, err := Run(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			if r.Invalid != "" {
				t.Errorf("invalid: %s", r.Invalid)
			}
			if r.IdleFDs < n || r.Verified != n || r.Served != n || r.Accepted != n {
				t.Errorf("held %d fds, verified %d, served %d, accepted %d; want >= %d fds and %d each", r.IdleFDs, r.Verified, r.Served, r.Accepted, n, n)
			}
			if !tc.threads(r.IdleThreads) {
				t.Errorf("%d OS threads holding %d idle connections", r.IdleThreads, n)
			}
			if r.SetupRate <= 0 {
				t.Errorf("set-up rate %v not measured", r.SetupRate)
			}
		})
	}
	if err := (&Spec{Tasks: 1, Load: "idle:100000000"}).Validate(); err == nil {
		t.Error("idle:100000000 accepted")
	}
}
