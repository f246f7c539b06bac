package bench

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// TestCPUSpan checks the window arithmetic on made-up readings: a worker
// reaped in the window counts from its reading at the start, one alive at
// both ends counts its advance, and the start-up is reported apart.
func TestCPUSpan(t *testing.T) {
	a := cpuMark{
		self:  usage{user: 1, sys: 0.5},
		child: usage{user: 10, sys: 2},
		live:  map[int]float64{100: 0.004, 101: 0.006, 102: 1},
		res:   1e-6,
	}
	// 100 and 101 were reaped: whole lives of 0.024 s (0.018 user, 0.006
	// sys) and 0.026 s landed in the children's rusage; 102 is alive.
	m := cpuMark{
		self:  usage{user: 1.01, sys: 0.502},
		child: usage{user: 10.036, sys: 2.014},
		live:  map[int]float64{102: 1.003},
		res:   1e-6,
	}
	s := m.since(a)
	if !near(s.startup, 0.010) {
		t.Errorf("startup = %g, want 0.010", s.startup)
	}
	// self 0.012 + children 0.050 - startup 0.010 + live 0.003 = 0.055.
	if got := s.user + s.sys; !near(got, 0.055) {
		t.Errorf("window CPU = %g, want 0.055", got)
	}
	// Children's 0.014 sys of 0.050 keeps its share of the 0.040 left.
	if !near(s.sys, 0.002+0.014*0.040/0.050) {
		t.Errorf("sys = %g", s.sys)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// TestCPUResolutionRule: short windows and coarse clocks are unresolved.
func TestCPUResolutionRule(t *testing.T) {
	tests := []struct {
		window time.Duration
		res    float64
		ok     bool
	}{
		{2 * time.Millisecond, 1e-6, false},
		{MinCPUWindow - time.Microsecond, 1e-9, false},
		{MinCPUWindow, 1e-6, true},
		{time.Second, 1e-6, true},
		{100 * time.Millisecond, 0.01, false}, // tick sources need 500 ms
		{500 * time.Millisecond, 0.01, true},
	}
	for _, tt := range tests {
		why := cpuUnresolved(tt.window, tt.res)
		if (why == "") != tt.ok {
			t.Errorf("window %v, resolution %g: unresolved = %q, want resolved %v", tt.window, tt.res, why, tt.ok)
		}
	}
}

// TestShortTrialUnresolved: a trial of a few ms reports its CPU figures as
// unresolved, and a summary of such trials has no CPU figure to show,
// instead of a sequential model "using" more than one core.
func TestShortTrialUnresolved(t *testing.T) {
	res, err := Run(context.Background(), Spec{Model: "sequential", Workload: "noop", Tasks: 100})
	if err != nil {
		t.Fatal(err)
	}
	if res.Window*1e9 >= float64(MinCPUWindow) {
		t.Fatalf("a 100-task no-op trial took %.1f ms: not a short trial", res.Window*1e3)
	}
	if res.CPUUnresolved == "" || !strings.Contains(res.CPUUnresolved, "shorter than") {
		t.Errorf("%.3f ms window: cpu_unresolved = %q, cores = %.2f", res.Window*1e3, res.CPUUnresolved, res.CPUCores)
	}
	s := resultfmt.Summarize([]Result{*res})
	if s.CPUUnresolved == "" || s.CPUCores != (resultfmt.Stat{}) || s.CPUPerTask != (resultfmt.Stat{}) {
		t.Errorf("summary of an unresolved trial: %q cores %+v per task %+v", s.CPUUnresolved, s.CPUCores, s.CPUPerTask)
	}

	long, err := Run(context.Background(), Spec{Model: "sequential", Workload: "io-sleep", Tasks: 2,
		Params: workload.Params{Sleep: MinCPUWindow}})
	if err != nil {
		t.Fatal(err)
	}
	if long.CPUUnresolved != "" || long.CPUResolution <= 0 {
		t.Errorf("%.1f ms window: cpu_unresolved = %q, resolution %g", long.Window*1e3, long.CPUUnresolved, long.CPUResolution)
	}
	if s := resultfmt.Summarize([]Result{*res, *long}); s.CPUUnresolved != "" || s.CPUCores.Median != long.CPUCores {
		t.Errorf("summary counts the unresolved repeat: %+v, %q", s.CPUCores, s.CPUUnresolved)
	}
}

// TestMultiprocStartupNotCounted: workers start before the window, so a
// one-task trial on P workers must not report their start-up as CPU used
// in the window (it did: ~4.5 cores on 2), but apart, as StartupCPU.
func TestMultiprocStartupNotCounted(t *testing.T) {
	const workers = 4
	res, err := RunIsolated(context.Background(), Spec{Model: "multiproc", Workload: "noop", Tasks: 1,
		Config: resultfmt.Config{Concurrency: workers}})
	if err != nil {
		t.Fatal(err)
	}
	bound := float64(runtime.NumCPU())
	cpu := res.CPUUser + res.CPUSys
	// The bound is physical here: the window cannot hold more CPU than
	// the machine's cores give it (1 ms for the clock reads at its edges).
	if limit := bound*res.Window*1.05 + 1e-3; cpu > limit {
		t.Errorf("%.3f ms window: %.2f ms CPU counted, at most %.2f ms possible on %.0f cores; start-up %.2f ms",
			res.Window*1e3, cpu*1e3, limit*1e3, bound, res.StartupCPU*1e3)
	}
	if res.StartupCPU <= 0 {
		t.Errorf("start-up CPU of %d workers not reported: %g", workers, res.StartupCPU)
	}
}

// TestCPUWithinBound is the CPU invariants on every model: a short CPU
// batch uses no more cores than the model declares (GOMAXPROCS, worker
// processes), within the clocks' resolution, and at least the CPU time
// its steps cost.
func TestCPUWithinBound(t *testing.T) {
	// 8 ms steps: their CPU floors add up to more than MinCPUFloor.
	units := workload.Calibrate(workload.SHA256, 8*time.Millisecond)
	for _, name := range models.Names() {
		t.Run(name, func(t *testing.T) {
			res, err := RunIsolated(context.Background(), Spec{Model: name, Workload: "cpu-hash",
				Tasks: 30 * runtime.NumCPU(), Params: workload.Params{Units: units}})
			if err != nil {
				t.Fatal(err)
			}
			if res.CPUUnresolved != "" {
				t.Fatalf("a %d-task batch of 2 ms steps is unresolved: %s", res.Tasks, res.CPUUnresolved)
			}
			for _, name := range []string{"cpu-cores", "cpu-seconds"} {
				if !hasCheck(res, name) {
					t.Errorf("invariant %s not checked: %+v", name, res.Invariants)
				}
			}
		})
	}
}

// TestChildMaxRSSIsTheChilds: a trial child's peak RSS is its own, not the
// high-water mark of the parent it was started from (wait4's ru_maxrss
// reported 308.9 MiB for a 10-task trial of a parent that had touched
// 300 MB).
func TestChildMaxRSSIsTheChilds(t *testing.T) {
	const big = 300 << 20
	ballast := make([]byte, big)
	for i := 0; i < len(ballast); i += 4096 {
		ballast[i] = 1
	}
	res, err := RunIsolated(context.Background(), Spec{Model: "sequential", Workload: "noop", Tasks: 10})
	runtime.KeepAlive(ballast)
	if err != nil {
		t.Fatal(err)
	}
	if res.ChildMaxRSS <= 0 || res.ChildMaxRSS >= big {
		t.Errorf("trial child's peak RSS = %.1f MiB (parent holds %d MiB)", float64(res.ChildMaxRSS)/(1<<20), big>>20)
	}
}
