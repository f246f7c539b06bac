package bench

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/server"
	"concbench/workload"
)

// Faulty models, registered in this test binary only (trial children
// re-execute it, so they know these models too).
func init() {
	reg := func(name string, run func(ctx context.Context, tr *models.Trial) error) {
		models.Register(models.Info{Name: name, Doc: "test fault", Procs: models.One, Hidden: true,
			New: func(models.Config) (models.Model, error) { return runFunc(run), nil }})
	}
	// corrupt reports a wrong result for task 3.
	reg("test-corrupt", func(ctx context.Context, tr *models.Trial) error {
		for i := range tr.Tasks {
			tr.Begin(i)
			res := workload.Expected(tr.Tasks[i], workload.Params{Nonce: tr.Nonce()})
			if i == 3 {
				res ^= 1
			}
			tr.Finish(i, res)
		}
		return nil
	})
	// drop never runs the last task but claims success.
	reg("test-drop", func(ctx context.Context, tr *models.Trial) error {
		for i := range tr.Tasks[:len(tr.Tasks)-1] {
			tr.Begin(i)
			tr.Finish(i, workload.Expected(tr.Tasks[i], workload.Params{Nonce: tr.Nonce()}))
		}
		return nil
	})
	// fail fails task 2 with a cause.
	reg("test-fail", func(ctx context.Context, tr *models.Trial) error {
		for i := range tr.Tasks {
			tr.Begin(i)
			if i == 2 {
				tr.Fail(i, errors.New("disk on fire"))
				return tr.Err()
			}
			tr.Finish(i, workload.Expected(tr.Tasks[i], workload.Params{Nonce: tr.Nonce()}))
		}
		return nil
	})
	// crash kills its process mid-trial (use only in a trial child).
	reg("test-crash", func(ctx context.Context, tr *models.Trial) error {
		os.Exit(7)
		return nil
	})
	// hang ignores cancellation (use only in a trial child).
	reg("test-hang", func(ctx context.Context, tr *models.Trial) error {
		select {}
	})
}

type runFunc func(ctx context.Context, tr *models.Trial) error

func (f runFunc) Run(ctx context.Context, tr *models.Trial) error { return f(ctx, tr) }

func TestVerificationCatchesBadModels(t *testing.T) {
	tests := []struct{ model, want string }{
		{"test-corrupt", "task 3 returned"},
		{"test-drop", "finished 9 of 10 tasks"},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			res, err := Run(context.Background(), Spec{Model: tt.model, Workload: "cpu-hash", Tasks: 10, Params: workload.Params{Units: 3}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if res == nil || res.Error == "" {
				t.Errorf("result does not carry the error: %+v", res)
			}
		})
	}
}

func TestIsolatedTrial(t *testing.T) {
	res, err := RunIsolated(context.Background(), Spec{Model: "pool", Workload: "cpu-hash", Tasks: 20, Params: workload.Params{Units: 50}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Isolated || res.ChildMaxRSS <= 0 || res.Completed != 20 {
		t.Errorf("isolated=%v child maxrss=%d completed=%d", res.Isolated, res.ChildMaxRSS, res.Completed)
	}
}

func TestIsolatedFaults(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		want string
	}{
		{"crashed child", Spec{Model: "test-crash", Workload: "noop", Tasks: 1}, "exit status 7"},
		{"hung model", Spec{Model: "test-hang", Workload: "noop", Tasks: 1, Timeout: 200 * time.Millisecond}, "timed out after 200ms"},
		{"task failure", Spec{Model: "test-fail", Workload: "noop", Tasks: 5}, "test-fail on noop (batch, 5 tasks): task 2: disk on fire"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := RunIsolated(context.Background(), tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestIsolatedCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	_, err := RunIsolated(ctx, Spec{Model: "sequential", Workload: "io-sleep", Tasks: 1000, Params: workload.Params{Sleep: time.Second}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestBadSpecIsUsageError(t *testing.T) {
	for _, s := range []Spec{
		{Model: "nosuch", Workload: "noop", Tasks: 1},
		{Model: "pool", Workload: "noop", Tasks: 0},
		{Model: "pool", Workload: "noop", Tasks: 1, Load: "open:0"},
		{Model: "pool", Workload: "noop", Tasks: 1, Params: workload.Params{ReadSize: 10, FileSize: 5}},
	} {
		if _, err := Run(context.Background(), s); !errors.Is(err, ErrUsage) {
			t.Errorf("%+v: err = %v, want ErrUsage", s, err)
		}
	}
}

func TestParseLoad(t *testing.T) {
	tests := []struct {
		spec    string
		shape   models.Shape
		clients int
		err     string
	}{
		{"batch", models.Batch, 0, ""},
		{"closed:16", models.Closed, 16, ""},
		{"open:1000", models.Open, 0, ""},
		{"open:1000:poisson", models.Open, 0, ""},
		{"open:1000:fixed", models.Open, 0, ""},
		{"batch:3", 0, 0, "batch takes no argument"},
		{"closed", 0, 0, "want closed:C"},
		{"closed:x", 0, 0, "clients must be an integer"},
		{"open:NaN", 0, 0, "rate must be"},
		{"open:1:bursty", 0, 0, `arrival process "bursty" unknown`},
		{"zigzag", 0, 0, "unknown load"},
	}
	for _, tt := range tests {
		l, err := ParseLoad(tt.spec, 100, 1)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: err = %v, want %q", tt.spec, err, tt.err)
			}
			continue
		}
		if err != nil || l.Shape != tt.shape || l.Clients != tt.clients {
			t.Errorf("%s: got %+v, %v", tt.spec, l, err)
		}
	}
}

func TestArrivals(t *testing.T) {
	fixed := Arrivals(1000, 1000, false, 1)
	if fixed[0] != 0 || fixed[999] != 999_000_000 {
		t.Errorf("fixed arrivals at 1000/s: first %d last %d", fixed[0], fixed[999])
	}
	p := Arrivals(20000, 1000, true, 1)
	mean := float64(p[len(p)-1]) / float64(len(p)-1)
	if mean < 0.95e6 || mean > 1.05e6 {
		t.Errorf("poisson mean gap %.0f ns, want about 1e6", mean)
	}
	for i := 1; i < len(p); i++ {
		if p[i] < p[i-1] {
			t.Fatalf("arrivals decrease at %d", i)
		}
	}
	if q := Arrivals(100, 1000, true, 1); q[50] != p[50] {
		t.Errorf("same seed, different schedule")
	}
}

func TestResultsFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/results.json"
	f := &File{Suite: "t", Complete: true, Trials: []Result{{Tasks: 5}}}
	if err := f.Write(path); err != nil {
		t.Fatal(err)
	}
	g, err := resultfmt.ReadFile(path)
	if err != nil || g.Schema != resultfmt.SchemaVersion || len(g.Trials) != 1 {
		t.Fatalf("read back %+v, %v", g, err)
	}
	for name, body := range map[string]string{
		"corrupt.json":  "{not json",
		"noschema.json": `{"suite":"x"}`,
		"future.json":   `{"schema":99}`,
	} {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := resultfmt.ReadFile(p); !errors.Is(err, resultfmt.ErrBadResults) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want resultfmt.ErrBadResults naming the file", name, err)
		}
	}
	if _, err := resultfmt.ReadFile(dir + "/missing.json"); !errors.Is(err, resultfmt.ErrBadResults) {
		t.Errorf("missing file: %v", err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestNoLeakedFDs runs a trial of every model and checks the process has
// as many open file descriptors after as before (goroutines are checked by
// goleak in TestMain).
func TestNoLeakedFDs(t *testing.T) {
	for _, m := range models.Names() {
		spec := Spec{Model: m, Workload: "blocking-mistake", Tasks: 50,
			Params: workload.Params{Sleep: time.Millisecond, Block: time.Millisecond, BlockEvery: 10}}
		mustRun(t, spec) // warm: lazily opened runtime fds
		before := fdCount()
		mustRun(t, spec)
		if after := fdCount(); after != before {
			t.Errorf("model %s: %d open fds before a trial, %d after", m, before, after)
		}
	}
}

// TestIsolatedTimeline: an isolated trial is sampled from the parent, so
// nothing samples inside the measured process (no harness CPU to take out)
// and the worker processes' memory is summed into the peak.
func TestIsolatedTimeline(t *testing.T) {
	res, err := RunIsolated(context.Background(), Spec{Model: "multiproc", Workload: "cpu-hash", Tasks: 150,
		Params: workload.Params{Units: 1500}, Config: resultfmt.Config{Concurrency: 2}})
	if err != nil {
		t.Fatal(err)
	}
	if res.HarnessCPU != 0 {
		t.Errorf("harness CPU %.4fs inside the measured process, want 0", res.HarnessCPU)
	}
	if len(res.Timeline) < 2 {
		t.Fatalf("timeline has %d samples over %.3fs", len(res.Timeline), res.Window)
	}
	// The timeline (schedstat of the process tree, read from outside)
	// must account for the CPU the trial measured itself (rusage), less the
	// part before the first sample.
	var integral, prevT float64
	for i, s := range res.Timeline {
		if s.T < 0 || s.T > res.Window*1e3+1 {
			t.Errorf("sample at %.1f ms outside the %.1f ms window", s.T, res.Window*1e3)
		}
		if i > 0 {
			integral += s.Cores * (s.T - prevT) / 1e3
		}
		prevT = s.T
	}
	if cpu := res.CPUUser + res.CPUSys; integral < 0.4*cpu || integral > 1.2*cpu {
		t.Errorf("timeline integrates to %.3f CPU s, the trial measured %.3f s", integral, cpu)
	}
	if res.PeakRSS <= res.ChildMaxRSS {
		t.Errorf("peak RSS %d is not above the trial process's own max %d: workers not summed", res.PeakRSS, res.ChildMaxRSS)
	}
}

// TestProcessTreeSkipsServer: the outside sampler counts a trial's
// descendants but not its latency server.
func TestProcessTreeSkipsServer(t *testing.T) {
	srv, err := server.Spawn(context.Background(), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() }()
	tree := processTree(os.Getpid(), map[int]bool{})
	if !slices.Contains(tree, sleeper.Process.Pid) {
		t.Errorf("tree %v lacks the child %d", tree, sleeper.Process.Pid)
	}
	if slices.Contains(tree, srv.PID()) {
		t.Errorf("tree %v includes the latency server %d", tree, srv.PID())
	}
}

// TestExternalReadsRSSFinely: between its full readings (CPU, threads,
// the process tree) the outside sampler reads RSS every tenth of the
// period, so a short plateau still holds readings.
func TestExternalReadsRSSFinely(t *testing.T) {
	sleeper := exec.Command("sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() }()
	e := startExternal(sleeper.Process.Pid, 20*time.Millisecond)
	time.Sleep(200 * time.Millisecond)
	points := e.finish()
	if len(points) == 0 || len(e.rss) < 3*len(points) {
		t.Fatalf("%d full readings and %d RSS readings in 200 ms at a 20 ms period, want at least 3 RSS readings per full one", len(points), len(e.rss))
	}
	// A batch of 5,000 sleeps of 10 ms on goroutines has its plateau for
	// a few ms: memory per in-flight task is measured, not left out.
	res, err := RunIsolated(context.Background(), Spec{Model: "goroutines", Workload: "io-sleep", Tasks: 5000})
	if err != nil {
		t.Fatal(err)
	}
	if res.PlateauSamples == 0 || res.MemPerInflight <= 0 {
		t.Errorf("plateau %.2f-%.2f ms over a %.1f ms makespan: %d RSS readings, %.0f B per in-flight task",
			res.PlateauFrom, res.PlateauTo, res.Makespan*1e3, res.PlateauSamples, res.MemPerInflight)
	}
}
