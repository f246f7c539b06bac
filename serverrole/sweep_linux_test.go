//go:build linux

package serverrole

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"concbench/bench"
	"concbench/resultfmt"
)

// sweepSuite is a tiny suite with one client cell and the given server
// experiments, R repeats.
func sweepSuite(r int, servers ...bench.ServerExperiment) *bench.Suite {
	return &bench.Suite{Name: "srv-test", Repeats: r, Seed: 3,
		Experiments: []bench.Experiment{{Tag: resultfmt.TagThroughput, Workloads: []string{"noop"}, Models: []string{"sequential"}, Tasks: []int{10}}},
		Servers:     servers}
}

func ms(n int) bench.Duration { return bench.Duration(time.Duration(n) * time.Millisecond) }

// TestSweepServerPath runs the three kinds of server experiment through
// bench.Sweep: every trial lands in results.json's server_trials with its
// spec and figures, round-trips through the file and validates; a model's
// rates above the first it could not keep up with are not run; the idle
// load's connections were held (fds counted by the parent); the blocking
// handler's other requests are measured apart from the blocked ones.
func TestSweepServerPath(t *testing.T) {
	dir := t.TempDir()
	suite := sweepSuite(2,
		bench.ServerExperiment{Tag: resultfmt.TagServerRate, Workloads: []string{"io-sleep"}, Models: []string{"sequential", "eventloop"},
			Loads: []string{"open:50", "open:1000", "open:3000"}, Seconds: 0.05, Params: bench.Params{Sleep: ms(10)}, P99Bound: 50},
		bench.ServerExperiment{Tag: resultfmt.TagServerC10k, Workloads: []string{"noop"}, Models: []string{"eventloop"}, Loads: []string{"idle:200"}, Tasks: 10},
		bench.ServerExperiment{Tag: resultfmt.TagServerBlocking, Workloads: []string{"blocking-mistake"}, Models: []string{"eventloop"},
			Loads: []string{"open:400"}, Seconds: 0.25, Params: bench.Params{Sleep: ms(5), Block: ms(100), BlockEvery: 100}})
	f, err := bench.Sweep(context.Background(), suite, bench.SweepOptions{Out: dir, NoWarmup: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]resultfmt.ServerTrial{}
	for _, s := range f.Servers {
		if s.Error != "" {
			t.Fatalf("%s failed: %s", s.Spec.Name(), s.Error)
		}
		got[s.Spec.Model+" "+s.Spec.Load] = append(got[s.Spec.Model+" "+s.Spec.Load], s)
	}
	for _, k := range []string{"sequential open:50", "eventloop open:50", "eventloop idle:200", "eventloop open:400"} {
		if len(got[k]) != 2 {
			t.Errorf("%s: %d trials, want one per repeat (2)", k, len(got[k]))
		}
	}
	// Each model's rates run ascending in each repeat and stop after the
	// first it did not keep up with.
	type run struct {
		model  string
		repeat int
	}
	rates := map[run][]resultfmt.ServerTrial{}
	for _, s := range f.Servers {
		if s.Spec.Tag == resultfmt.TagServerRate {
			rates[run{s.Spec.Model, s.Repeat}] = append(rates[run{s.Spec.Model, s.Repeat}], s)
		}
	}
	for k, ts := range rates {
		for i, s := range ts {
			if i > 0 && s.Offered <= ts[i-1].Offered {
				t.Errorf("%v: rate %g/s ran after %g/s", k, s.Offered, ts[i-1].Offered)
			}
			if i < len(ts)-1 && !s.KeptUp(bench.KeepUp) {
				t.Errorf("%v: ran %g/s after not keeping up with %g/s (achieved %g/s)", k, ts[i+1].Offered, s.Offered, s.Achieved)
			}
			if i == len(ts)-1 && s.Offered < 3000 && s.KeptUp(bench.KeepUp) {
				t.Errorf("%v: stopped at %g/s, which it kept up with", k, s.Offered)
			}
		}
	}
	// Sequential serves 10 ms requests one at a time, about 100/s: it
	// cannot keep up with 1000/s, so 3000/s never runs.
	for _, s := range got["sequential open:1000"] {
		if s.KeptUp(bench.KeepUp) {
			t.Errorf("sequential kept up with %g/s (achieved %g/s)", s.Offered, s.Achieved)
		}
	}
	if n := len(got["sequential open:3000"]); n != 0 {
		t.Errorf("sequential ran %d trials at 3000/s, past the rate it could not keep up with", n)
	}
	for _, s := range got["eventloop idle:200"] {
		if s.IdleFDs < 200 || s.BytesPerConn <= 0 || s.SetupRate <= 0 || s.Answered != 200 {
			t.Errorf("idle:200: fds %d, %g B/conn, %g conns/s, %d answered; want >= 200 fds and every connection answered", s.IdleFDs, s.BytesPerConn, s.SetupRate, s.Answered)
		}
	}
	for _, s := range got["eventloop open:400"] {
		// 100 tasks, one blocking: the loop thread sleeps 100 ms in it,
		// and the ~40 requests arriving meanwhile wait for it.
		if s.Blocked != 1 || s.P99Others < 50 {
			t.Errorf("blocking handler on the event loop: %d blocked, p99 of the others %.1f ms; want 1 and >= half the 100 ms block", s.Blocked, s.P99Others)
		}
	}
	back, err := resultfmt.ReadFile(filepath.Join(dir, resultfmt.ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Servers, f.Servers) {
		t.Errorf("server trials changed through results.json:\nwrote %+v\nread  %+v", f.Servers, back.Servers)
	}
}

// TestSweepServerInvalid: trials whose generator fell behind its schedule
// (here: any lag, the bound lowered to zero) are kept, marked invalid
// with the cause, and counted in one note.
func TestSweepServerInvalid(t *testing.T) {
	saved := maxLag
	maxLag = 0
	t.Cleanup(func() { maxLag = saved })
	suite := sweepSuite(1, bench.ServerExperiment{Tag: resultfmt.TagServerRate, Workloads: []string{"io-sleep"}, Models: []string{"goroutines"},
		Loads: []string{"open:200"}, Seconds: 0.1, Params: bench.Params{Sleep: ms(1)}, P99Bound: 50})
	f, err := bench.Sweep(context.Background(), suite, bench.SweepOptions{NoWarmup: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Servers) != 1 || !strings.HasPrefix(f.Servers[0].Invalid, "generator fell behind its schedule") || f.Servers[0].Usable() {
		t.Fatalf("server trials %+v, want one marked invalid: generator fell behind", f.Servers)
	}
	if !slices.ContainsFunc(f.Notes, func(n string) bool {
		return strings.Contains(n, "server trials: 1 of 1 invalid (generator fell behind its schedule: 1)")
	}) {
		t.Errorf("notes %q lack the invalid count", f.Notes)
	}
}

// TestSweepServerInterrupted: a sweep stopped during a server trial
// returns the interrupt, writes what finished marked incomplete, and
// leaves no child process and no socket behind (goroutines: TestMain).
func TestSweepServerInterrupted(t *testing.T) {
	before := children(t)
	socks := sockets(os.Getpid())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	suite := sweepSuite(1, bench.ServerExperiment{Tag: resultfmt.TagServerRate, Workloads: []string{"io-sleep"}, Models: []string{"sequential"},
		Loads: []string{"open:1000"}, Seconds: 3, Params: bench.Params{Sleep: ms(10)}, P99Bound: 50})
	started := make(chan struct{}, 1)
	opt := bench.SweepOptions{Out: t.TempDir(), NoWarmup: true, OnStart: func(_, _ int, s resultfmt.Spec) {
		if s.Tag == resultfmt.TagServerRate {
			started <- struct{}{}
		}
	}}
	go func() {
		<-started
		// Cancel once the server serves: it holds the generator's
		// connections.
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			for _, p := range childPIDs() {
				if env, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/environ"); strings.Contains(string(env), "CONCBENCH_ROLE="+ServerRole+"\x00") && sockets(p) >= 2 {
					cancel()
					return
				}
			}
		}
		cancel()
	}()
	f, err := bench.Sweep(ctx, suite, opt)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("sweep stopped mid server trial: err %v, want context.Canceled", err)
	}
	if f == nil || !f.Interrupted || f.Complete || len(f.Servers) != 0 {
		t.Fatalf("interrupted sweep's file: %+v, want interrupted, incomplete, no server trial", f)
	}
	deadline := time.Now().Add(10 * time.Second)
	for (!slices.Equal(children(t), before) || sockets(os.Getpid()) > socks) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := children(t); !slices.Equal(got, before) {
		t.Errorf("child processes left: %v (before: %v)", got, before)
	}
	if n := sockets(os.Getpid()); n > socks {
		t.Errorf("%d sockets held after the sweep, %d before", n, socks)
	}
}
