package bench

import (
	"bufio"
	"cmp"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"concbench/models"
	"concbench/server"
	"concbench/workload"
	"concbench/workload/httpwire"
)

// A cheat runs the tasks one at a time, every step for real except those
// of its kind, which fake runs instead, reporting what a model can know
// without doing the work. prepare, when set, runs before the clock.
type cheat struct {
	kind    workload.Kind
	fake    func(c *cheatRun, t workload.Task, k int) (uint64, error)
	prepare func(c *cheatRun) error
}

// cheatRun is one trial of a cheat: what a model has (its trial, an
// executor for the steps it runs for real) and what a cheat keeps.
type cheatRun struct {
	ctx   context.Context
	tr    *models.Trial
	ex    *workload.Exec
	cache []uint64
	conns []net.Conn
}

// Cheating models, registered in this test binary only (Hidden).
var cheats = map[string]cheat{
	// Sleeps and blocks output 0 either way: skipping them is free.
	"test-cheat-sleep": {kind: workload.Sleep, fake: zero},
	"test-cheat-block": {kind: workload.Block, fake: zero},
	"test-cheat-cpu":   {kind: workload.CPU, fake: zero},
	// CPU digests computed in Prepare, before the clock (and the nonce).
	"test-cheat-cpu-prepare": {kind: workload.CPU,
		prepare: func(c *cheatRun) error {
			c.cache = make([]uint64, len(c.tr.Tasks))
			for i, t := range c.tr.Tasks {
				for _, s := range t.Steps {
					if s.Kind == workload.CPU {
						c.cache[i] = workload.RunCPU(s.Kernel, s.Units, workload.CPUSeed(t.ID, c.tr.Nonce()))
					}
				}
			}
			return nil
		},
		fake: func(c *cheatRun, t workload.Task, _ int) (uint64, error) { return c.cache[t.ID], nil },
	},
	// Every other CPU digest computed, the rest faked: a model that read
	// the old stride sampling (every k-th task, k known from the task list)
	// off its tasks passed it. The sample drawn after the trial catches it.
	"test-cheat-cpu-stride": {kind: workload.CPU, fake: func(c *cheatRun, t workload.Task, k int) (uint64, error) {
		if t.ID%2 == 0 || int(t.ID) == len(c.tr.Tasks)-1 {
			return c.ex.Step(c.ctx, t, k, c.tr.Nonce())
		}
		return 0, nil
	}},
	// Net steps replayed: the body of a seed is public, so its digest is
	// known; the cheat waits the delay and sends no request.
	"test-cheat-net": {kind: workload.Net, fake: func(c *cheatRun, t workload.Task, k int) (uint64, error) {
		time.Sleep(t.Steps[k].Dur)
		return workload.NetDigest(workload.NetSeed(t.ID, k), t.Steps[k].Size), nil
	}},
	// Net steps as tiny requests (the right seed, delay=0&size=0) plus a
	// local sleep: the server counts a request per step.
	"test-cheat-net-tiny": {kind: workload.Net, fake: func(c *cheatRun, t workload.Task, k int) (uint64, error) {
		tiny := workload.Task{ID: t.ID, Steps: append([]workload.Step(nil), t.Steps...)}
		tiny.Steps[k] = workload.NetStep(0, 0)
		if _, err := c.ex.Step(c.ctx, tiny, k, c.tr.Nonce()); err != nil {
			return 0, err
		}
		time.Sleep(t.Steps[k].Dur)
		return workload.NetDigest(workload.NetSeed(t.ID, k), t.Steps[k].Size), nil
	}},
	// The right request, but the task goes on without its answer (read
	// after the last task, so the server does answer).
	"test-cheat-net-nowait": {kind: workload.Net, fake: func(c *cheatRun, t workload.Task, k int) (uint64, error) {
		s := t.Steps[k]
		conn, err := net.Dial("tcp", c.tr.Env.ServerAddr)
		if err != nil {
			return 0, err
		}
		c.conns = append(c.conns, conn) // kept open: the server answers it
		if _, err := conn.Write(httpwire.AppendRequest(nil, c.tr.Env.ServerAddr, s.Dur, s.Size, workload.NetSeed(t.ID, k))); err != nil {
			return 0, err
		}
		return workload.NetDigest(workload.NetSeed(t.ID, k), s.Size), nil
	}},
	// Every Net step sent twice (a hedging client): one request per step
	// is the rule.
	"test-cheat-net-twice": {kind: workload.Net, fake: func(c *cheatRun, t workload.Task, k int) (uint64, error) {
		if _, err := c.ex.Step(c.ctx, t, k, c.tr.Nonce()); err != nil {
			return 0, err
		}
		return c.ex.Step(c.ctx, t, k, c.tr.Nonce())
	}},
	// Without reading: the old proof (the size), and the digest of the
	// window as it would be under a guessed data key.
	"test-cheat-file": {kind: workload.File, fake: func(_ *cheatRun, t workload.Task, k int) (uint64, error) {
		return uint64(t.Steps[k].Size), nil
	}},
	"test-cheat-file-nokey": {kind: workload.File, fake: func(c *cheatRun, t workload.Task, k int) (uint64, error) {
		s := t.Steps[k]
		return workload.FileDigest(c.tr.Nonce(), 0, workload.FileIndex(t, len(c.tr.Env.Files)), s.Off, s.Size), nil
	}},
	// A real read, of another window (the next block, wrapping).
	"test-cheat-file-window": {kind: workload.File, fake: func(c *cheatRun, t workload.Task, k int) (uint64, error) {
		moved := workload.Task{ID: t.ID, Steps: append([]workload.Step(nil), t.Steps...)}
		s := &moved.Steps[k]
		s.Off = (s.Off + 4096) % (workload.DefaultParams.FileSize - s.Size)
		return c.ex.Step(c.ctx, moved, k, c.tr.Nonce())
	}},
}

func zero(*cheatRun, workload.Task, int) (uint64, error) { return 0, nil }

// cheatModel is a Model (and Preparer) running cheat c.
type cheatModel struct {
	c   cheat
	run *cheatRun
}

func (m *cheatModel) Prepare(ctx context.Context, tr *models.Trial) error {
	m.run = &cheatRun{tr: tr}
	if m.c.prepare != nil {
		return m.c.prepare(m.run)
	}
	return nil
}

func (m *cheatModel) Run(ctx context.Context, tr *models.Trial) error {
	if m.run == nil {
		m.Prepare(ctx, tr)
	}
	c := m.run
	c.ctx = ctx
	ex, err := workload.NewExec(tr.Env, 1)
	if err != nil {
		return err
	}
	c.ex = ex
	defer func() {
		ex.Close()
		for _, conn := range c.conns {
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			if resp, err := http.ReadResponse(bufio.NewReader(conn), nil); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			conn.Close()
		}
	}()
	for i, t := range tr.Tasks {
		tr.Begin(i)
		var acc uint64
		for k, s := range t.Steps {
			fake := s.Kind == m.c.kind
			var out uint64
			if fake {
				out, err = m.c.fake(c, t, k)
			} else {
				out, err = ex.Step(ctx, t, k, tr.Nonce())
			}
			if err != nil {
				tr.Fail(i, models.StepError(k, s, err))
				return tr.Err()
			}
			acc = workload.Mix(acc, out)
		}
		tr.Finish(i, acc)
	}
	return nil
}

func init() {
	for name, c := range cheats {
		models.Register(models.Info{Name: name, Doc: "test cheat", Procs: models.One, Hidden: true,
			New: func(models.Config) (models.Model, error) { return &cheatModel{c: c}, nil }})
	}
}

// TestVerificationCatchesCheats: a model that skips, precomputes or fakes
// one kind of step fails its trial with a message naming the task (and
// step) and the evidence, whichever it fakes; every real model passes the
// same checks on the same tasks.
func TestVerificationCatchesCheats(t *testing.T) {
	p := workload.Params{Sleep: 5 * time.Millisecond, Block: 20 * time.Millisecond, BlockEvery: 10,
		NetDelay: 10 * time.Millisecond, Units: 50, FileSize: 1 << 20}
	tests := []struct {
		model, workload string
		want            []string
		tasks           int // 20 when 0
	}{
		{"test-cheat-sleep", "io-sleep", []string{"task 0 took", "less than its sleep 5ms", "did not wait"}, 0},
		{"test-cheat-block", "blocking-mistake", []string{"task 5 took", "sleep 5ms + block 20ms", "did not wait"}, 0},
		{"test-cheat-cpu", "cpu-hash", []string{"task 0 returned", "cpu digest"}, 0},
		{"test-cheat-cpu-prepare", "cpu-hash", []string{"task 0 returned", "cpu digest", "nonce"}, 0},
		// 2000 tasks of 50 units: above the full-check budget, sampled.
		{"test-cheat-cpu-stride", "cpu-hash", []string{"returned", "cpu digest"}, 2000},
		{"test-cheat-net", "io-net", []string{"net ledger: task 0 step 0", "seed", "ledger has no request with its seed"}, 0},
		{"test-cheat-net-tiny", "io-net", []string{"net ledger: task 0 step 0", "asked for delay 0s and 0 bytes", "the step is delay 10ms and 1024 bytes"}, 0},
		{"test-cheat-net-nowait", "io-net", []string{"net ledger: task 0 step 0", "after its task claims to have ended", "did not wait for the answer"}, 0},
		{"test-cheat-net-twice", "io-net", []string{"net ledger: task 0 step 0", "2 requests with its seed, want exactly 1"}, 0},
		{"test-cheat-file", "io-file", []string{"task 0 returned", "file bytes digest"}, 0},
		{"test-cheat-file-nokey", "io-file", []string{"task 0 returned", "file bytes digest"}, 0},
		{"test-cheat-file-window", "io-file", []string{"task 0 returned", "file bytes digest"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			n := cmp.Or(tt.tasks, 20)
			spec := Spec{Model: "sequential", Workload: tt.workload, Tasks: n, Params: p}
			if _, err := Run(context.Background(), spec); err != nil {
				t.Fatalf("a real model fails the checks: %v", err)
			}
			spec.Model = tt.model
			res, err := Run(context.Background(), spec)
			if err == nil {
				t.Fatalf("%s passed verification", tt.model)
			}
			t.Logf("%s: %v", tt.model, err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if res == nil || res.Error == "" || res.Completed != int64(n) {
				t.Fatalf("result does not carry the error for %d completed tasks: %+v", n, res)
			}
			if len(res.Violations()) == 0 {
				t.Errorf("no invariant records the violation: %+v", res.Invariants)
			}
			if c, ok := findCheck(res, "verified"); tt.tasks > 0 && (!ok || c.OK || !strings.Contains(c.Detail, "32 of 2000 CPU/file results, a random sample") || !strings.Contains(c.Detail, "caught with probability 96%")) {
				t.Errorf("verified check %+v (found %v), want it failed on a random sample of 32, naming its power", c, ok)
			}
			if tt.workload == "io-net" {
				c, ok := findCheck(res, "net-ledger")
				if !ok || c.OK || c.Evidence != LedgerEvidence || !strings.Contains(c.Detail, "task 0 step 0") {
					t.Errorf("net-ledger check %+v (found %v), want it failed naming task 0 step 0 with its evidence", c, ok)
				}
			}
		})
	}
}

// findCheck returns res's invariant called name.
func findCheck(res *Result, name string) (Check, bool) {
	for _, c := range res.Invariants {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// TestCheckLedger: the net-ledger invariant against hand-made ledgers, one
// breach each, beside a ledger that confirms every step.
func TestCheckLedger(t *testing.T) {
	ms := int64(time.Millisecond)
	tasks := []workload.Task{
		{ID: 0, Steps: []workload.Step{workload.NetStep(5*time.Millisecond, 100)}},
		{ID: 1, Steps: []workload.Step{workload.SleepStep(time.Millisecond), workload.NetStep(5*time.Millisecond, 100)}},
	}
	start, end := []int64{1 * ms, 2 * ms}, []int64{8 * ms, 10 * ms}
	const base = 1_000_000 * 1e6 // the Recorder's time zero on CLOCK_MONOTONIC
	honest := func() []server.Entry {
		return []server.Entry{
			{Seed: workload.NetSeed(0, 0), Delay: 5 * time.Millisecond, Waited: 5 * time.Millisecond, Size: 100, Accept: base + 1*ms + 50_000, Answer: base + 6*ms + 100_000},
			{Seed: workload.NetSeed(1, 1), Delay: 5 * time.Millisecond, Waited: 5 * time.Millisecond, Size: 100, Accept: base + 3*ms + 50_000, Answer: base + 8*ms + 100_000},
		}
	}
	tests := []struct {
		name   string
		edit   func([]server.Entry) []server.Entry
		ended  []int64
		want   string // "" = holds
		value  float64
		detail string
	}{
		{name: "honest", edit: func(e []server.Entry) []server.Entry { return e }, value: 2},
		{name: "missing", edit: func(e []server.Entry) []server.Entry { return e[:1] },
			want: "task 1 step 1 (net(5ms, 100B), seed", value: 1, detail: "ledger has no request with its seed"},
		{name: "twice", edit: func(e []server.Entry) []server.Entry { return append(e, e[0]) },
			want: "task 0 step 0", value: 1, detail: "2 requests with its seed, want exactly 1"},
		{name: "tiny", edit: func(e []server.Entry) []server.Entry { e[1].Delay, e[1].Size = 0, 0; return e },
			want: "task 1 step 1", value: 1, detail: "asked for delay 0s and 0 bytes, the step is delay 5ms and 100 bytes"},
		{name: "unanswered", edit: func(e []server.Entry) []server.Entry { e[0].Answer = 0; return e },
			want: "task 0 step 0", value: 1, detail: "never answered it"},
		{name: "answered after the task ended", edit: func(e []server.Entry) []server.Entry { e[0].Answer = base + 9*ms; return e },
			want: "task 0 step 0", value: 1, detail: "answered it at 9.000 ms, after its task claims to have ended at 8.000 ms"},
		{name: "accepted before the task started", edit: func(e []server.Entry) []server.Entry { e[1].Accept = base + 1*ms; return e },
			want: "task 1 step 1", value: 1, detail: "accepted it at 1.000 ms, before its task started at 2.000 ms"},
		{name: "outside", edit: func(e []server.Entry) []server.Entry { return append(e, server.Entry{Seed: 42, Answer: base}) },
			want: "1 requests whose seed is no Net step of the trial (e.g. seed 42)", value: 2, detail: "1 requests from outside the trial"},
		{name: "an unfinished task's request is no claim", edit: func(e []server.Entry) []server.Entry { e[1].Answer = 0; return e },
			ended: []int64{8 * ms, 0}, value: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := end
			if tt.ended != nil {
				e = tt.ended
			}
			c, err := checkLedger(ledgerFacts{tasks: tasks, start: start, end: e, entries: tt.edit(honest()), base: base, tol: 1})
			if tt.want == "" {
				if err != nil || !c.OK {
					t.Fatalf("an honest ledger fails: %v (%+v)", err, c)
				}
			} else if err == nil || c.OK || !strings.Contains(err.Error(), tt.want) || !strings.Contains(c.Detail, tt.detail) {
				t.Fatalf("got %v, check %+v; want an error saying %q, detail %q", err, c, tt.want, tt.detail)
			}
			if c.Value != tt.value || c.Evidence != LedgerEvidence {
				t.Errorf("value %v evidence %q, want %v confirmed steps from %q", c.Value, c.Evidence, tt.value, LedgerEvidence)
			}
		})
	}
}

// TestVerifiedCountsWhatWasVerified: the verified invariant's value is the
// number of results verified, and sampling is named, never the completed
// count.
func TestVerifiedCountsWhatWasVerified(t *testing.T) {
	res := &Result{Tasks: 1000, Completed: 1000}
	v := workload.Verification{Verified: 200, Tasks: 1000, Costly: 864, Sampled: 32, Planned: 200}
	c, _ := checkVerified(res, trialFacts{verified: v})
	if !c.OK || c.Value != 200 || c.Bound != 200 || !strings.Contains(c.Detail, "verified 200 of 1000: 32 of 864 CPU/file results, a random sample") {
		t.Errorf("sampled: %+v", c)
	}
	v.Verified = 199 // stopped short of the plan
	if c, _ := checkVerified(res, trialFacts{verified: v}); c.OK || c.Value != 199 {
		t.Errorf("short: %+v", c)
	}
}
