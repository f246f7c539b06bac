package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"concbench/models"
	"concbench/workload"
)

// Models that each break one invariant, registered in this test binary
// only (hidden from listings and suites).
func init() {
	reg := func(name string, conc func() int, run func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error) {
		models.Register(models.Info{Name: name, Doc: "test fake: breaks an invariant", Procs: models.One, Concurrency: conc, Hidden: true,
			New: func(models.Config) (models.Model, error) {
				return runFunc(func(ctx context.Context, tr *models.Trial) error {
					ex, err := workload.NewExec(tr.Env, 1)
					if err != nil {
						return err
					}
					defer ex.Close()
					return run(ctx, tr, ex)
				}), nil
			}})
	}
	one := func() int { return 1 }
	// hide-wait runs tasks one at a time but restamps each arrival as its
	// start, hiding the clients' wait: Little's law fails.
	reg("test-hide-wait", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		queue, wait := tr.FeedQueue(len(tr.Tasks))
		for i := range queue {
			tr.RunBlocking(ex, i)
			tr.Rec.Arrive[i] = tr.Rec.Start[i]
		}
		return wait()
	})
	// late-open stamps each open-load arrival when it gets round to the
	// task (coordinated omission): the arrivals fall behind the offered rate.
	reg("test-late-open", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		queue, wait := tr.FeedQueue(len(tr.Tasks))
		for i := range queue {
			tr.Rec.Arrive[i] = tr.Rec.Now()
			tr.RunBlocking(ex, i)
		}
		return wait()
	})
	// skip claims every task's expected result without running a step:
	// no time passes and the latency server sees no request.
	reg("test-skip", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		for i := range tr.Tasks {
			tr.Begin(i)
			tr.Finish(i, workload.Expected(tr.Tasks[i], workload.Params{}))
		}
		return nil
	})
	// fake-conc declares a concurrency of 1 but runs every task at once:
	// the batch ends before the N waits a concurrency of 1 needs.
	reg("test-fake-conc", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		var wg sync.WaitGroup
		for i := range tr.Tasks {
			wg.Go(func() { tr.RunBlocking(ex, i) })
		}
		wg.Wait()
		return tr.Err()
	})
	// cpu-over counts CPU spent before its window: a child process that
	// burned CPU before time zero is reaped inside the trial, so its CPU
	// lands there (the error worker start-up CPU once caused).
	models.Register(models.Info{Name: "test-cpu-over", Doc: "test fake: breaks an invariant", Procs: models.One, Hidden: true,
		New: func(models.Config) (models.Model, error) { return &cpuOver{}, nil }})
}

type cpuOver struct{ cmd *exec.Cmd }

// Prepare starts a child that spins for a while in the shell and waits
// until it has exited, without reaping it.
func (m *cpuOver) Prepare(ctx context.Context, tr *models.Trial) error {
	m.cmd = exec.Command("sh", "-c", "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done")
	if err := m.cmd.Start(); err != nil {
		return err
	}
	stat := fmt.Sprintf("/proc/%d/stat", m.cmd.Process.Pid)
	for {
		b, err := os.ReadFile(stat)
		if err != nil {
			return err
		}
		if f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])); len(f) > 0 && f[0] == "Z" {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Run reaps the child, then runs the tasks.
func (m *cpuOver) Run(ctx context.Context, tr *models.Trial) error {
	if err := m.cmd.Wait(); err != nil {
		return err
	}
	ex, err := workload.NewExec(tr.Env, 1)
	if err != nil {
		return err
	}
	defer ex.Close()
	for i := range tr.Tasks {
		tr.RunBlocking(ex, i)
	}
	return tr.Err()
}

// runAnyway runs spec in this process and returns the result whether or
// not the trial failed.
func runAnyway(t *testing.T, spec Spec) *Result {
	t.Helper()
	res, err := Run(context.Background(), spec)
	if res == nil {
		t.Fatalf("%s: no result: %v", spec.Model, err)
	}
	return res
}

// TestInvariantsCatchBrokenModels runs each fake model on a load it
// breaks and checks the invariant it breaks is recorded as violated.
func TestInvariantsCatchBrokenModels(t *testing.T) {
	sleep := workload.Params{Sleep: 5 * time.Millisecond}
	tests := []struct {
		spec      Spec
		invariant string
	}{
		{Spec{Model: "test-hide-wait", Workload: "io-sleep", Tasks: 40, Load: "closed:8", Params: sleep}, "littles-law"},
		{Spec{Model: "test-late-open", Workload: "io-sleep", Tasks: 40, Load: "open:1000", Params: sleep}, "open-rate"},
		// A long sleep, so the time before the model starts (counted in a
		// batch task's latency) cannot make up for the skipped wait.
		{Spec{Model: "test-skip", Workload: "io-sleep", Tasks: 20, Params: workload.Params{Sleep: time.Second}}, "latency-floor"},
		{Spec{Model: "test-skip", Workload: "io-net", Tasks: 20}, "server-requests"},
		{Spec{Model: "test-fake-conc", Workload: "io-sleep", Tasks: 20, Params: workload.Params{Sleep: 20 * time.Millisecond}}, "makespan-floor"},
		{Spec{Model: "test-corrupt", Workload: "cpu-hash", Tasks: 10, Params: workload.Params{Units: 3}}, "verified"},
		{Spec{Model: "test-cpu-over", Workload: "io-sleep", Tasks: 1, Params: workload.Params{Sleep: 60 * time.Millisecond}}, "cpu-cores"},
	}
	for _, tt := range tests {
		t.Run(tt.invariant, func(t *testing.T) {
			res := runAnyway(t, tt.spec)
			var names []string
			for _, c := range res.Violations() {
				names = append(names, c.Name)
			}
			if !strings.Contains(res.ViolationNames(), tt.invariant) {
				t.Fatalf("%s: invariant %s not violated (violations: %v; checks: %+v)", tt.spec.Model, tt.invariant, names, res.Invariants)
			}
			notes := ViolationNotes(*res)
			if len(notes) == 0 || !strings.Contains(strings.Join(notes, "\n"), "invariant "+tt.invariant+" violated in ") {
				t.Errorf("notes do not name the violation: %q", notes)
			}
		})
	}
}

// TestRealModelsKeepInvariants: every registered model keeps every
// invariant on batch, closed and open loads of sleeps and on a batch of
// CPU steps, and each invariant that applies is recorded.
func TestRealModelsKeepInvariants(t *testing.T) {
	cases := []struct {
		workload, load string
		want           []string
	}{
		{"io-sleep", "batch", []string{"verified", "latency-floor", "makespan-floor"}},
		{"io-sleep", "closed:8", []string{"verified", "littles-law", "latency-floor"}},
		{"io-sleep", "open:2000", []string{"verified", "open-rate", "latency-floor"}},
		{"io-net", "batch", []string{"verified", "server-requests", "latency-floor", "makespan-floor"}},
	}
	for _, m := range models.Names() {
		for _, c := range cases {
			t.Run("model="+m+"/workload="+c.workload+"/load="+c.load, func(t *testing.T) {
				res := mustRun(t, Spec{Model: m, Workload: c.workload, Tasks: 80, Load: c.load,
					Params: workload.Params{Sleep: 2 * time.Millisecond, NetDelay: 2 * time.Millisecond}})
				if v := res.Violations(); len(v) > 0 {
					t.Errorf("violations: %+v", v)
				}
				for _, name := range c.want {
					if !hasCheck(res, name) {
						t.Errorf("invariant %s not checked (checks: %+v)", name, res.Invariants)
					}
				}
			})
		}
	}
}

func hasCheck(res *Result, name string) bool {
	for _, c := range res.Invariants {
		if c.Name == name {
			return true
		}
	}
	return false
}
