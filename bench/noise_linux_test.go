//go:build linux

package bench

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"concbench/workload"
)

// TestNoiseSeesOtherProcess: a process spinning beside a trial that only
// sleeps shows up as other processes' CPU in the trial's noise, and the
// trial is marked busy.
func TestNoiseSeesOtherProcess(t *testing.T) {
	spin := exec.Command("sh", "-c", "while :; do :; done")
	if err := spin.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		spin.Process.Kill()
		spin.Wait()
	}()
	res, err := RunIsolated(context.Background(), Spec{Model: "sequential", Workload: "io-sleep", Tasks: 3,
		Params: workload.Params{Sleep: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Noise; n == nil || n.Other < 0.5 || !n.Busy {
		t.Errorf("noise %+v beside a process spinning a core, want other >= 0.5 cores and busy", n)
	}
}

// TestInterruptedSweepLeavesNoChild: Ctrl-C while a child started ahead
// waits at its ready point kills and reaps it; no trial child outlives the
// sweep.
func TestInterruptedSweepLeavesNoChild(t *testing.T) {
	suite := &Suite{Name: "stop", Repeats: 3, Experiments: []Experiment{
		{Tag: "t", Workloads: []string{"io-sleep"}, Models: []string{"sequential", "goroutines"}, Tasks: []int{3},
			Params: Params{Sleep: ms(50)}},
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	starts := 0
	_, err := Sweep(ctx, suite, SweepOptions{NoWarmup: true, OnStart: func(_, _ int, s Spec) {
		if starts++; starts == 3 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("interrupted sweep returned no error")
	}
	if kids := children(t); kids != "" {
		t.Errorf("child processes left after the sweep: %s", kids)
	}
}

// children lists this process's child PIDs from /proc.
func children(t *testing.T) string {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		b, _ := os.ReadFile("/proc/self/task/" + e.Name() + "/children")
		if s := strings.TrimSpace(string(b)); s != "" {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// TestFailedCellDropsChildStartedAhead: when a trial fails, the child
// already started for its cell's next trial is killed and reaped, not left
// waiting at its ready point.
func TestFailedCellDropsChildStartedAhead(t *testing.T) {
	t.Setenv(EnvServer, "127.0.0.1:1") // nothing listens: every Net step fails
	suite := &Suite{Name: "fail", Repeats: 2, Experiments: []Experiment{
		{Tag: "t", Workloads: []string{"io-net"}, Models: []string{"sequential"}, Tasks: []int{2}},
	}}
	f, err := Sweep(context.Background(), suite, SweepOptions{})
	if err == nil || f.Failed != 1 {
		t.Fatalf("sweep: %v, %d failed; want the cell failed once", err, f.Failed)
	}
	if kids := children(t); kids != "" {
		t.Errorf("child processes left after the sweep: %s", kids)
	}
}

// TestSweepSharesOneServer: an isolated sweep's Net trials all talk to one
// latency server, spawned once, and each still proves its own requests
// against the server's ledger.
func TestSweepSharesOneServer(t *testing.T) {
	suite := &Suite{Name: "net", Repeats: 2, Experiments: []Experiment{
		{Tag: "t", Workloads: []string{"io-net"}, Models: []string{"eventloop", "goroutines"}, Tasks: []int{20}},
	}}
	servers := map[string]bool{}
	f, err := Sweep(context.Background(), suite, SweepOptions{OnStart: func(_, _ int, s Spec) {
		for _, pid := range strings.Fields(children(t)) {
			if cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline"); strings.Contains(string(cmd), "--max-delay") {
				servers[pid] = true
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 1 {
		t.Errorf("latency servers seen during the sweep: %v, want one", servers)
	}
	for _, r := range f.Trials {
		ok := false
		for _, c := range r.Invariants {
			ok = ok || c.Name == "net-ledger" && c.OK
		}
		if !ok || r.ServerRequests != 20 {
			t.Errorf("trial %s: net-ledger held %v, %d requests, want held and 20", r.Spec.Model, ok, r.ServerRequests)
		}
	}
	if kids := children(t); kids != "" {
		t.Errorf("processes left after the sweep: %s", kids)
	}
}
