package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// Models that each break one source of evidence (README, "How a trial is measured"), registered
// in this test binary only (hidden from listings and suites). Each thinks
// like an auditor: it gets away with something its own stamps and digests
// cannot show.
func init() {
	reg := func(name string, conc func() int, run func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error) {
		models.Register(models.Info{Name: name, Doc: "test fake: breaks an invariant", Procs: models.One, Concurrency: conc, Hidden: true,
			New: func(models.Config) (models.Model, error) {
				return runFunc(func(ctx context.Context, tr *models.Trial) error {
					ex, err := workload.NewExec(tr.Env, len(tr.Tasks))
					if err != nil {
						return err
					}
					defer ex.Close()
					return run(ctx, tr, ex)
				}), nil
			}})
	}
	one := func() int { return 1 }
	all := func() int { return 0 }
	// all-at-once runs every task at once, whatever the load: under a
	// closed or open load Trial.Begin refuses the tasks not yet released.
	reg("test-all-at-once", all, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		var wg sync.WaitGroup
		for i := range tr.Tasks {
			wg.Go(func() { tr.RunBlocking(ex, i) })
		}
		wg.Wait()
		return tr.Err()
	})
	// self-stamp runs every task at once but writes its own stamps, as a
	// runtime's runner does (no Begin or Finish, so no gate), claiming
	// each started when released.
	reg("test-self-stamp", all, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		var wg sync.WaitGroup
		for i := range tr.Tasks {
			wg.Go(func() {
				var acc uint64
				for k := range tr.Tasks[i].Steps {
					out, err := ex.Step(ctx, tr.Tasks[i], k, tr.Nonce())
					if err != nil {
						tr.Fail(i, err)
						return
					}
					acc = workload.Mix(acc, out)
				}
				at, _ := tr.ReleasedAt(i)
				r := tr.Rec
				r.Arrive[i], r.Start[i] = max(at, 0), max(at, 0)
				r.End[i], r.Result[i] = max(r.Now(), r.Start[i]+1), acc
			})
		}
		wg.Wait()
		return tr.Err()
	})
	// hide-wait runs tasks one at a time but restamps each arrival as its
	// start, hiding the clients' wait.
	reg("test-hide-wait", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		queue, wait := tr.FeedQueue(len(tr.Tasks))
		for i := range queue {
			tr.RunBlocking(ex, i)
			tr.Rec.Arrive[i] = tr.Rec.Start[i]
		}
		return wait()
	})
	// as-concurrent runs tasks one after another, then rewrites their
	// stamps as if they had all run at once from time zero.
	reg("test-as-concurrent", all, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		for i := range tr.Tasks {
			tr.RunBlocking(ex, i)
		}
		r := tr.Rec
		for i := range tr.Tasks {
			r.End[i] -= r.Start[i]
			r.Start[i] = 0
		}
		return tr.Err()
	})
	// as-sequential runs every task at once, then rewrites the stamps as
	// if it had run them one after another.
	reg("test-as-sequential", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		var wg sync.WaitGroup
		for i := range tr.Tasks {
			wg.Go(func() { tr.RunBlocking(ex, i) })
		}
		wg.Wait()
		r := tr.Rec
		var at int64
		for i := range tr.Tasks {
			d := r.End[i] - r.Start[i]
			r.Start[i], r.End[i] = at, at+d
			at += d
		}
		return tr.Err()
	})
	// finish-first marks every task finished at once with its expected
	// result (computing it is the tasks' CPU work), then keeps working:
	// three times the tasks' work after the last of them "finished", so
	// the teardown dwarfs the claimed makespan however slow the machine.
	reg("test-finish-first", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		for i, t := range tr.Tasks {
			tr.Begin(i)
			tr.Finish(i, workload.Expected(t, workload.Params{Nonce: tr.Nonce()}))
		}
		for range 3 {
			for i, t := range tr.Tasks {
				for k := range t.Steps {
					if _, err := ex.Step(ctx, t, k, tr.Nonce()); err != nil {
						tr.Fail(i, err)
						return err
					}
				}
			}
		}
		return nil
	})
	// precomputed works out every digest in Prepare, before the clock,
	// then computes an eighth of each CPU step in the trial.
	models.Register(models.Info{Name: "test-precomputed", Doc: "test fake: breaks an invariant", Procs: models.One, Hidden: true,
		New: func(models.Config) (models.Model, error) { return &precomputed{}, nil }})
	// no-read runs every step but its File steps, whose digests it
	// computes from the position-addressable contents without reading.
	reg("test-no-read", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		for i, t := range tr.Tasks {
			tr.Begin(i)
			var acc uint64
			for k, s := range t.Steps {
				if s.Kind == workload.File {
					acc = workload.Mix(acc, workload.StepOutput(t, k, workload.Params{Nonce: tr.Nonce()}))
					continue
				}
				out, err := ex.Step(ctx, t, k, tr.Nonce())
				if err != nil {
					tr.Fail(i, err)
					return err
				}
				acc = workload.Mix(acc, out)
			}
			tr.Finish(i, acc)
		}
		return nil
	})
	// skip claims every task's expected result without running a step:
	// no time passes and the latency server sees no request.
	reg("test-skip", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		for i := range tr.Tasks {
			tr.Begin(i)
			tr.Finish(i, workload.Expected(tr.Tasks[i], workload.Params{Nonce: tr.Nonce()}))
		}
		return nil
	})
	// fake-conc declares a concurrency of 1 but runs every task at once.
	reg("test-fake-conc", one, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		var wg sync.WaitGroup
		for i := range tr.Tasks {
			wg.Go(func() { tr.RunBlocking(ex, i) })
		}
		wg.Wait()
		return tr.Err()
	})
	// null holds nothing per task: it begins every task, waits once for
	// the longest task's waits, and finishes them all (the harness's own
	// per-task memory, measured).
	reg("test-null", all, func(ctx context.Context, tr *models.Trial, ex *workload.Exec) error {
		var most time.Duration
		for i, t := range tr.Tasks {
			tr.Begin(i)
			most = max(most, workload.MinService(t, false))
		}
		time.Sleep(most)
		for i, t := range tr.Tasks {
			tr.Finish(i, workload.Expected(t, workload.Params{Nonce: tr.Nonce()}))
		}
		return nil
	})
	// cpu-over counts CPU spent before its window: a child process that
	// burned CPU before time zero is reaped inside the trial, so its CPU
	// lands there, beyond the one thread the model declares.
	models.Register(models.Info{Name: "test-cpu-over", Doc: "test fake: breaks an invariant", Procs: models.One, Hidden: true,
		New: func(models.Config) (models.Model, error) { return &cpuOver{}, nil }})
}

type precomputed struct{ res []uint64 }

func (m *precomputed) Prepare(ctx context.Context, tr *models.Trial) error {
	for _, t := range tr.Tasks {
		m.res = append(m.res, workload.Expected(t, workload.Params{Nonce: tr.Nonce()}))
	}
	return nil
}

func (m *precomputed) Run(ctx context.Context, tr *models.Trial) error {
	for i, t := range tr.Tasks {
		tr.Begin(i)
		for _, s := range t.Steps {
			if s.Kind == workload.CPU {
				workload.RunCPU(s.Kernel, s.Units/8, workload.Seed(t.ID))
			}
		}
		tr.Finish(i, m.res[i])
	}
	return nil
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

// runAnyway runs spec in this process and returns the result and error
// whether or not the trial failed.
func runAnyway(t *testing.T, spec Spec) (*Result, error) {
	t.Helper()
	res, err := Run(context.Background(), spec)
	if res == nil {
		t.Fatalf("%s: no result: %v", spec.Model, err)
	}
	return res, err
}

// TestInvariantsCatchBrokenModels runs each fake model on a load it
// breaks: the trial fails with a message naming the task or step and the
// evidence, and the invariant it breaks is recorded as violated with that
// evidence (gated: Trial.Begin stops the trial before any invariant runs).
func TestInvariantsCatchBrokenModels(t *testing.T) {
	sleep := workload.Params{Sleep: 5 * time.Millisecond}
	sleep20 := workload.Params{Sleep: 20 * time.Millisecond}
	cpu := workload.Params{Units: workload.Calibrate(workload.SHA256, 2*time.Millisecond)}
	tests := []struct {
		name      string
		spec      Spec
		invariant string
		evidence  string
		gated     bool
	}{
		{"closed-load ignored", Spec{Model: "test-all-at-once", Workload: "io-sleep", Tasks: 40, Load: "closed:8", Params: sleep}, "", resultfmt.EvidenceRelease, true},
		{"open load ignored", Spec{Model: "test-all-at-once", Workload: "io-sleep", Tasks: 40, Load: "open:500", Params: sleep}, "", resultfmt.EvidenceRelease, true},
		{"closed load ignored, own stamps", Spec{Model: "test-self-stamp", Workload: "io-sleep", Tasks: 40, Load: "closed:4", Params: sleep20}, "makespan-floor", resultfmt.EvidenceFloors, false},
		{"open load ignored, own stamps", Spec{Model: "test-self-stamp", Workload: "io-sleep", Tasks: 40, Load: "open:200", Params: sleep}, "latency-floor", resultfmt.EvidenceFloors, false},
		{"closed wait hidden", Spec{Model: "test-hide-wait", Workload: "io-sleep", Tasks: 40, Load: "closed:8", Params: sleep}, "arrival", resultfmt.EvidenceRelease, false},
		{"sequential work, concurrent stamps", Spec{Model: "test-as-concurrent", Workload: "io-sleep", Tasks: 50, Params: sleep20}, "teardown", resultfmt.EvidenceClock, false},
		{"concurrent work, sequential stamps", Spec{Model: "test-as-sequential", Workload: "io-sleep", Tasks: 50, Params: sleep20}, "harness-window", resultfmt.EvidenceClock, false},
		{"CPU done after the tasks finished", Spec{Model: "test-finish-first", Workload: "cpu-hash", Tasks: 200, Params: cpu}, "teardown", resultfmt.EvidenceClock, false},
		{"digests computed before the clock", Spec{Model: "test-precomputed", Workload: "cpu-hash", Tasks: 100, Params: cpu}, "cpu-seconds", resultfmt.EvidenceKernel, false},
		{"files not read", Spec{Model: "test-no-read", Workload: "io-file", Tasks: 50}, "bytes-read", resultfmt.EvidenceKernel, false},
		// A long sleep, so the time before the model starts (counted in a
		// batch task's latency) cannot make up for the skipped wait.
		{"waits skipped", Spec{Model: "test-skip", Workload: "io-sleep", Tasks: 20, Params: workload.Params{Sleep: time.Second}}, "latency-floor", resultfmt.EvidenceFloors, false},
		{"net steps skipped", Spec{Model: "test-skip", Workload: "io-net", Tasks: 20}, "server-requests", resultfmt.EvidenceLedger, false},
		{"concurrency understated", Spec{Model: "test-fake-conc", Workload: "io-sleep", Tasks: 20, Params: sleep20}, "makespan-floor", resultfmt.EvidenceFloors, false},
		{"digest corrupted", Spec{Model: "test-corrupt", Workload: "cpu-hash", Tasks: 10, Params: workload.Params{Units: 3}}, "verified", resultfmt.EvidenceDigest, false},
		{"threads understated", Spec{Model: "test-cpu-over", Workload: "io-sleep", Tasks: 1, Params: workload.Params{Sleep: 60 * time.Millisecond}}, "cpu-cores", resultfmt.EvidenceKernel, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := runAnyway(t, tt.spec)
			if err == nil {
				t.Fatalf("%s: the trial passed (checks: %+v)", tt.spec.Model, res.Invariants)
			}
			if !strings.Contains(err.Error(), "evidence "+tt.evidence) || !strings.Contains(err.Error(), "task") {
				t.Errorf("the trial's error names neither the task or step and the evidence %s: %v", tt.evidence, err)
			}
			if tt.gated {
				return
			}
			var found bool
			for _, c := range res.Violations() {
				if c.Name == tt.invariant {
					found = true
					if c.Evidence != tt.evidence {
						t.Errorf("%s names evidence %q, want %q", c.Name, c.Evidence, tt.evidence)
					}
				}
			}
			if !found {
				t.Fatalf("%s: invariant %s not violated (violations: %q; checks: %+v)", tt.spec.Model, tt.invariant, res.ViolationNames(), res.Invariants)
			}
			notes := ViolationNotes(*res)
			if !strings.Contains(strings.Join(notes, "\n"), "invariant "+tt.invariant+" violated (evidence "+tt.evidence+") in ") {
				t.Errorf("notes do not name the violation: %q", notes)
			}
		})
	}
}

// TestRealModelsKeepInvariants: every registered model keeps every
// invariant on batch, closed and open loads of sleeps, Net and File
// steps, and each invariant that applies is recorded with its evidence.
func TestRealModelsKeepInvariants(t *testing.T) {
	cases := []struct {
		workload, load string
		want           []string
	}{
		{"io-sleep", "batch", []string{"verified", "latency-floor", "makespan-floor", "harness-window", "teardown"}},
		{"io-sleep", "closed:8", []string{"verified", "release", "arrival", "latency-floor", "makespan-floor", "teardown"}},
		{"io-sleep", "open:2000", []string{"verified", "release", "arrival", "latency-floor", "makespan-floor", "teardown"}},
		{"io-net", "batch", []string{"verified", "server-requests", "latency-floor", "makespan-floor"}},
		{"io-file", "batch", []string{"verified", "bytes-read", "teardown"}},
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
				for _, ch := range res.Invariants {
					if ch.Evidence == "" {
						t.Errorf("invariant %s names no evidence", ch.Name)
					}
				}
			})
		}
	}
}

// TestHarnessMemoryApart: a null model, which holds nothing per task in
// flight, shows (almost) no memory per in-flight task, because the
// harness's own slots are resident before the baseline; the harness's own
// memory per task is published beside it.
func TestHarnessMemoryApart(t *testing.T) {
	res, err := RunIsolated(context.Background(), Spec{Model: "test-null", Workload: "io-sleep", Tasks: 100_000,
		Params: workload.Params{Sleep: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if res.PlateauSamples == 0 || res.PlateauInflight != 100_000 {
		t.Fatalf("no plateau measured: %d samples, %d in flight", res.PlateauSamples, res.PlateauInflight)
	}
	t.Logf("null model: %.1f B per in-flight task; harness: %.0f B per task", res.MemPerInflight, res.HarnessMemPerTask)
	if res.HarnessMemPerTask < 32 {
		t.Errorf("harness memory per task %.0f B: less than its 32 B of stamps", res.HarnessMemPerTask)
	}
	// Half of the harness's own share: before the slots were made
	// resident the null model showed all of it (43 B on io-sleep 1 s).
	if res.MemPerInflight > res.HarnessMemPerTask/2 {
		t.Errorf("a null model holds %.1f B per in-flight task; the harness's own %.0f B/task is not kept apart", res.MemPerInflight, res.HarnessMemPerTask)
	}
}

// TestCheckValuesWritable: a check whose value is not finite is written
// and read back (an infinite open-load rate once made the result
// unwritable).
func TestCheckValuesWritable(t *testing.T) {
	res := Result{Tasks: 1}
	res.SetCheck(Check{Name: "release", Value: 0, Bound: 0})
	for _, v := range []float64{math.Inf(1), math.Inf(-1), math.NaN()} {
		res.Invariants[0].Value = v
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatalf("value %v: %v", v, err)
		}
		var back Result
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("value %v: read back: %v", v, err)
		}
		if got := back.Invariants[0].Value; fmt.Sprint(got) != fmt.Sprint(v) {
			t.Errorf("value %v read back as %v", v, got)
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
