//go:build linux

package serverrole

import (
	"context"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
	"concbench/workload/httpwire"
	"concbench/workload/taskhttp"
)

// A cheating server answers each request from a goroutine per connection,
// like the goroutines model, but fakes one kind of step, or its ledger,
// in a way its answers' digests cannot show. The server role must catch
// each one with evidence the server does not write: the generator's own
// clock (a request answered sooner than its task's waits), the latency
// server's ledger (Net steps never made, made small, or not waited for),
// and the generator's count of answers (a server's inflated ledger).
type serveCheat struct {
	kind workload.Kind
	// fake, if set, returns step k of t's result (a step of kind) without
	// doing it as asked.
	fake func(h *models.Handling, t workload.Task, k int, nonce uint64, keep *[]net.Conn) (uint64, error)
	// extra is what the server adds to its ledger per answer beyond the
	// one ServeConn counts.
	extra int64
}

var serveCheats = map[string]serveCheat{
	// Answers at once: every sleep skipped.
	"test-cheat-serve-sleep": {kind: workload.Sleep, fake: func(*models.Handling, workload.Task, int, uint64, *[]net.Conn) (uint64, error) {
		return 0, nil
	}},
	// Waits the Net delay but computes the body's digest itself: the
	// latency server never hears of the request.
	"test-cheat-serve-net": {kind: workload.Net, fake: func(_ *models.Handling, t workload.Task, k int, _ uint64, _ *[]net.Conn) (uint64, error) {
		s := t.Steps[k]
		time.Sleep(s.Dur)
		return workload.NetDigest(workload.NetSeed(t.ID, k), s.Size), nil
	}},
	// Asks the latency server for no delay and no bytes, then waits the
	// delay itself.
	"test-cheat-serve-net-tiny": {kind: workload.Net, fake: func(h *models.Handling, t workload.Task, k int, nonce uint64, _ *[]net.Conn) (uint64, error) {
		s := t.Steps[k]
		tiny := workload.Task{ID: t.ID, Steps: append([]workload.Step(nil), t.Steps...)}
		tiny.Steps[k] = workload.NetStep(0, 0)
		ex, err := h.NewExec(1)
		if err != nil {
			return 0, err
		}
		defer ex.Close()
		if _, err := ex.Step(context.Background(), tiny, k, nonce); err != nil {
			return 0, err
		}
		time.Sleep(s.Dur)
		return workload.NetDigest(workload.NetSeed(t.ID, k), s.Size), nil
	}},
	// Sends the Net request and answers without waiting for the answer.
	"test-cheat-serve-net-nowait": {kind: workload.Net, fake: func(h *models.Handling, t workload.Task, k int, _ uint64, keep *[]net.Conn) (uint64, error) {
		s := t.Steps[k]
		c, err := net.Dial("tcp", h.Env.ServerAddr)
		if err != nil {
			return 0, err
		}
		*keep = append(*keep, c) // left open: the latency server answers it
		if _, err := c.Write(httpwire.AppendRequest(nil, h.Env.ServerAddr, s.Dur, s.Size, workload.NetSeed(t.ID, k))); err != nil {
			return 0, err
		}
		return workload.NetDigest(workload.NetSeed(t.ID, k), s.Size), nil
	}},
	// Does every step, and claims two answers for each.
	"test-cheat-serve-ledger": {extra: 1},
}

type serveCheatModel struct{ c serveCheat }

func (serveCheatModel) Run(context.Context, *models.Trial) error {
	return os.ErrInvalid // a server, not a client
}

func (m serveCheatModel) Serve(ctx context.Context, h *models.Handling) error {
	ex, err := h.NewExec(0)
	if err != nil {
		return err
	}
	defer ex.Close()
	var mu sync.Mutex
	var keep []net.Conn // the Net requests not waited for
	defer func() {
		for _, c := range keep {
			c.Close()
		}
	}()
	run := func(i int, nonce uint64) (taskhttp.Answer, error) {
		t := h.Tasks[i]
		var acc uint64
		for k, s := range t.Steps {
			var out uint64
			var err error
			if m.c.fake != nil && s.Kind == m.c.kind {
				mu.Lock() // one fake at a time: they share keep
				out, err = m.c.fake(h, t, k, nonce, &keep)
				mu.Unlock()
			} else {
				out, err = ex.Step(ctx, t, k, nonce)
			}
			if err != nil {
				return taskhttp.Answer{}, err
			}
			acc = workload.Mix(acc, out)
		}
		h.Served.Add(m.c.extra)
		return taskhttp.Answer{Digest: acc, Tid: int(models.Gettid()), Pid: os.Getpid()}, nil
	}
	return models.ServeEach(ctx, h, 0, func(f func()) { go f() }, run)
}

func init() {
	for name, c := range serveCheats {
		models.Register(models.Info{Name: name, Doc: "test cheat server", Family: resultfmt.FamilyGo, Procs: models.AllCPUs, Hidden: true,
			New: func(models.Config) (models.Model, error) { return serveCheatModel{c: c}, nil }})
	}
}

// TestServeCheatsCaught: each cheating server fails its trial (or makes it
// invalid) with a message naming the evidence, while the goroutines model
// passes the very same trial.
func TestServeCheatsCaught(t *testing.T) {
	p := workload.DefaultParams
	p.Sleep, p.NetDelay = 20*time.Millisecond, 20*time.Millisecond
	for _, tc := range []struct {
		model, workload string
		want            []string // in the error, or in Invalid for a ledger cheat
	}{
		{"test-cheat-serve-sleep", "io-sleep", []string{"server: verify: task", "less than its sleep 20ms", "did not wait"}},
		{"test-cheat-serve-net", "io-net", []string{"net ledger: request for task", "no request with its seed"}},
		{"test-cheat-serve-net-tiny", "io-net", []string{"net ledger: request for task", "asked for delay 0s and 0 bytes", "the step is delay 20ms"}},
		{"test-cheat-serve-net-nowait", "io-net", []string{"server: verify: task", "less than its net delay 20ms", "did not wait"}},
		{"test-cheat-serve-ledger", "io-sleep", []string{"server's ledger says 80 served, the generator got 40 answers"}},
	} {
		t.Run(tc.model, func(t *testing.T) {
			s := Spec{Model: "goroutines", Workload: tc.workload, Params: p, Tasks: 40, Load: "open:400", Timeout: time.Minute}
			r, err := Run(context.Background(), s)
			if err != nil || r.Invalid != "" {
				t.Fatalf("the goroutines server fails the same trial: %v %s", err, r.Invalid)
			}
			if w := 40 * strings.Count(tc.workload, "net"); r.NetConfirmed != w {
				t.Errorf("goroutines: %d Net steps confirmed by the latency server's ledger, want %d", r.NetConfirmed, w)
			}
			s.Model = tc.model
			r, err = Run(context.Background(), s)
			got := ""
			if err != nil {
				got = err.Error()
			} else if r != nil {
				got = r.Invalid
			}
			if got == "" {
				t.Fatalf("%s passed", tc.model)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s: %q does not say %q", tc.model, got, w)
				}
			}
		})
	}
}
