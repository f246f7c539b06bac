package bench

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"concbench/workload"
)

func TestNoiseOver(t *testing.T) {
	tests := []struct {
		name     string
		a, b     machineStat
		wall     time.Duration
		own      float64
		wantNil  bool
		steal    float64
		other    float64
		wantBusy bool
	}{
		{"quiet", machineStat{100, 0, true}, machineStat{150, 0, true}, time.Second, 0.5, false, 0, 0, false},
		{"other process", machineStat{100, 0, true}, machineStat{250, 0, true}, time.Second, 0.5, false, 0, 1, true},
		{"steal", machineStat{100, 10, true}, machineStat{150, 40, true}, time.Second, 0.5, false, 0.3, 0, true},
		{"own exceeds the ticks", machineStat{100, 0, true}, machineStat{110, 0, true}, time.Second, 0.5, false, 0, 0, false},
		{"no /proc/stat", machineStat{}, machineStat{150, 0, true}, time.Second, 0, true, 0, 0, false},
		{"empty window", machineStat{100, 0, true}, machineStat{150, 0, true}, 0, 0, true, 0, 0, false},
		{"counter went back", machineStat{100, 0, true}, machineStat{90, 0, true}, time.Second, 0, true, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := noiseOver(tt.a, tt.b, tt.wall, tt.own)
			if (n == nil) != tt.wantNil {
				t.Fatalf("noise %+v, want nil %v", n, tt.wantNil)
			}
			if n == nil {
				return
			}
			if !near(n.Steal, tt.steal) || !near(n.Other, tt.other) || n.Busy != tt.wantBusy {
				t.Errorf("noise %+v, want steal %g other %g busy %v", *n, tt.steal, tt.other, tt.wantBusy)
			}
		})
	}
}

// TestSlowTasks: the injected slowdown adds the fraction of each task's
// own waits and CPU units as real steps, grows a shared step list once,
// and leaves no-op tasks and the input alone.
func TestSlowTasks(t *testing.T) {
	mixed := []workload.Step{workload.SleepStep(10 * time.Millisecond), workload.CPUStep(workload.Kernel(0), 100),
		workload.NetStep(5*time.Millisecond, 64), workload.BlockStep(20 * time.Millisecond)}
	tests := []struct {
		name  string
		steps []workload.Step
		want  []workload.Step
	}{
		{"mixed", mixed, append(slices.Clone(mixed), workload.SleepStep(3*time.Millisecond), workload.BlockStep(4*time.Millisecond),
			workload.CPUStep(workload.Kernel(0), 20))},
		{"no-op", []workload.Step{{Kind: workload.Noop}}, []workload.Step{{Kind: workload.Noop}}},
		{"file read", []workload.Step{workload.FileStep(0, 4096)}, []workload.Step{workload.FileStep(0, 4096)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []workload.Task{{ID: 0, Steps: tt.steps}, {ID: 1, Steps: tt.steps}}
			before := slices.Clone(tt.steps)
			out := slowTasks(in, 0.2)
			for i, task := range out {
				if !slices.Equal(task.Steps, tt.want) {
					t.Errorf("task %d: steps %v, want %v", i, task.Steps, tt.want)
				}
			}
			if &out[0].Steps[0] != &out[1].Steps[0] {
				t.Error("a shared step list was grown twice")
			}
			if !slices.Equal(in[0].Steps, before) {
				t.Error("the input tasks changed")
			}
		})
	}
	if got := slowTasks([]workload.Task{{Steps: mixed}}, 0); len(got[0].Steps) != len(mixed) {
		t.Error("a zero fraction changed the tasks")
	}
}

// TestSlowdownArmedOnlyForItsModel: EnvSlowdown names one model and a
// fraction; anything else is ignored.
func TestSlowdownArmedOnlyForItsModel(t *testing.T) {
	tests := []struct {
		env, model string
		want       float64
	}{
		{"pool:0.2", "pool", 0.2}, {"pool:0.2", "goroutines", 0}, {"pool", "pool", 0}, {"pool:-1", "pool", 0},
		{"pool:x", "pool", 0}, {"", "pool", 0}, {"pool:11", "pool", 0},
	}
	for _, tt := range tests {
		t.Setenv(EnvSlowdown, tt.env)
		if got := slowdownFor(tt.model); got != tt.want {
			t.Errorf("%s=%q, model %s: fraction %g, want %g", EnvSlowdown, tt.env, tt.model, got, tt.want)
		}
	}
}

// TestSweepDataOnce: a sweep writes each data set once, hands the same
// directory to every trial that reads it, and a trial refuses files that
// are not the data set's.
func TestSweepDataOnce(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	d := newSweepData()
	defer d.release()
	p := workload.Params{FileSize: 8192, Files: 2}
	spec := Spec{Model: "pool", Workload: "io-file", Tasks: 10, Params: p}
	as, err := d.setFor(spec)
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := d.setFor(spec)
	other := spec
	other.Params.Seed = 99
	cs, _ := d.setFor(other)
	none, _ := d.setFor(Spec{Model: "pool", Workload: "noop", Tasks: 1})
	if as != bs || as.dir == cs.dir || as.key == cs.key || none.dir != "" || d.made != 2 {
		t.Fatalf("data sets %v %v %v %v, %d written; want one per data set, each with its own key", as, bs, cs, none, d.made)
	}
	a := as.dir
	if _, err := checkFiles(a, p); err != nil {
		t.Fatalf("good files refused: %v", err)
	}
	bad := []struct {
		name  string
		spoil func(dir string) error
	}{
		{"truncated", func(dir string) error {
			ents, _ := os.ReadDir(dir)
			return os.Truncate(filepath.Join(dir, ents[0].Name()), 100)
		}},
		{"extra file", func(dir string) error { return os.WriteFile(filepath.Join(dir, "x"), make([]byte, 8192), 0o644) }},
		{"missing file", func(dir string) error {
			ents, _ := os.ReadDir(dir)
			return os.Remove(filepath.Join(dir, ents[0].Name()))
		}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := workload.MakeFiles(dir, p); err != nil {
				t.Fatal(err)
			}
			if err := tt.spoil(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := checkFiles(dir, p); err == nil {
				t.Error("spoiled data files accepted")
			}
		})
	}
	d.release()
	if _, err := os.Stat(a); !os.IsNotExist(err) {
		t.Errorf("data set %s left behind (%v)", a, err)
	}
}

// TestSweepIsolatedPipelined: in an isolated sweep each trial's child is
// started while the previous trial tears down (Cost.Ahead), yet no window
// overlaps another; warm-ups run once per model and workload; the duty
// cycle adds up within the time the sweep took.
func TestSweepIsolatedPipelined(t *testing.T) {
	suite := &Suite{Name: "pipe", Repeats: 2, Experiments: []Experiment{
		{Tag: "t", Workloads: []string{"noop"}, Models: []string{"sequential", "goroutines"}, Tasks: []int{100, 200}},
		{Tag: "t", Workloads: []string{"io-file"}, Models: []string{"pool"}, Tasks: []int{200}, Params: Params{FileSize: 1 << 20, Files: 2}},
	}}
	t0 := time.Now()
	f, err := Sweep(context.Background(), suite, SweepOptions{})
	elapsed := time.Since(t0).Seconds()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trials) != 10 {
		t.Fatalf("%d trials, want 10", len(f.Trials))
	}
	trials := slices.Clone(f.Trials)
	slices.SortFunc(trials, func(a, b Result) int { return int(a.StartUnixNano - b.StartUnixNano) })
	ahead := 0
	var windows float64
	for i, r := range trials {
		windows += r.Window
		if !r.Isolated || r.Cost == nil {
			t.Fatalf("trial %d: isolated %v, cost %v", i, r.Isolated, r.Cost)
		}
		if r.Cost.Ahead > 0 {
			ahead++
		}
		if i > 0 {
			prev := trials[i-1]
			if end := prev.StartUnixNano + int64(prev.Window*1e9); end > r.StartUnixNano {
				t.Errorf("trial %d's window opened %v before trial %d's closed", i, time.Duration(end-r.StartUnixNano), i-1)
			}
		}
	}
	if ahead < len(trials)-1 {
		t.Errorf("%d of %d trials' children started ahead, want all but the first", ahead, len(trials))
	}
	d := f.Duty
	if d == nil || d.Trials != len(f.Trials)+3 {
		t.Fatalf("duty %+v: want %d trials (3 warm-ups: one per model and workload)", d, len(f.Trials)+3)
	}
	if !near(d.Windows, windows) || d.Wall > elapsed || d.Windows > d.Wall || !near(d.Ratio, d.Windows/d.Wall) {
		t.Errorf("duty %+v: windows %.3f s in the trials, sweep took %.3f s", d, windows, elapsed)
	}
}
