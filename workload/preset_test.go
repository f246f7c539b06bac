package workload

import (
	"strings"
	"testing"
	"time"
)

func TestPresetsBuild(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			ts, err := Build(name, 2000, Params{})
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 2000 {
				t.Fatalf("%d tasks, want 2000", len(ts))
			}
			for i, task := range ts {
				if task.ID != uint32(i) || len(task.Steps) == 0 {
					t.Fatalf("task %d: id %d, %d steps", i, task.ID, len(task.Steps))
				}
			}
		})
	}
}

func TestBlockingMistakeOneInK(t *testing.T) {
	for _, tt := range []struct{ n, k, want int }{{1000, 100, 10}, {1000, 1000, 1}, {10, 1000, 1}, {5000, 1000, 5}} {
		ts, err := Build("blocking-mistake", tt.n, Params{BlockEvery: tt.k})
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, task := range ts {
			if BlockingTask(task) {
				got++
			}
		}
		if got != tt.want {
			t.Errorf("n=%d K=%d: %d blocking tasks, want %d", tt.n, tt.k, got, tt.want)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name string
		n    int
		p    Params
		want string
	}{
		{"nosuch", 1, Params{}, `unknown workload "nosuch" (allowed: `},
		{"noop", 0, Params{}, "tasks 0 out of range (allowed 1..10000000)"},
		{"noop", MaxTasks + 1, Params{}, "out of range"},
		{"io-sleep", 1, Params{Sleep: -time.Second}, "sleep -1s out of range"},
		{"cpu-hash", 1, Params{Units: 1 << 31}, "units 2147483648 out of range"},
		{"io-file", 1, Params{ReadSize: 8192, FileSize: 4096}, "read size 8192 larger than file size 4096"},
	}
	for _, tt := range tests {
		if _, err := Build(tt.name, tt.n, tt.p); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Build(%s, %d, %+v) = %v, want error containing %q", tt.name, tt.n, tt.p, err, tt.want)
		}
	}
}

func TestCPUKernels(t *testing.T) {
	for name, k := range Kernels {
		a, b := RunCPU(k, 10, 1), RunCPU(k, 10, 1)
		if a != b {
			t.Errorf("%s is not deterministic", name)
		}
		if RunCPU(k, 10, 2) == a || RunCPU(k, 11, 1) == a {
			t.Errorf("%s ignores its seed or units", name)
		}
	}
}

func TestCalibrate(t *testing.T) {
	small, large := Calibrate(SHA256, time.Millisecond), Calibrate(SHA256, 10*time.Millisecond)
	if small < 1 || large < small*5 {
		t.Errorf("1ms -> %d units, 10ms -> %d units: not proportional", small, large)
	}
}

// TestZeroMeansZero: an Exact Params keeps its zeros where zero is allowed
// and refuses them elsewhere; nothing is silently replaced by a default.
func TestZeroMeansZero(t *testing.T) {
	exact := func(f func(*Params)) Params {
		p := DefaultParams
		f(&p)
		return p
	}
	refused := []struct {
		p    Params
		want string
	}{
		{exact(func(p *Params) { p.Sleep = 0 }), "sleep 0s out of range"},
		{exact(func(p *Params) { p.Block = 0 }), "block 0s out of range"},
		{exact(func(p *Params) { p.BlockEvery = 0 }), "block-every 0 out of range"},
		{exact(func(p *Params) { p.Units = 0 }), "units 0 out of range"},
		{exact(func(p *Params) { p.ReadSize = 0 }), "read size 0 out of range"},
		{exact(func(p *Params) { p.FileSize = 0 }), "file size 0 out of range"},
		{exact(func(p *Params) { p.Files = 0 }), "files 0 out of range"},
		// Cross-field checks see the defaults a zero stands for.
		{Params{FileSize: 1024}, "read size 4096 larger than file size 1024"},
	}
	for _, tt := range refused {
		if err := tt.p.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.p, err, tt.want)
		}
	}
	p := exact(func(p *Params) { p.NetDelay, p.NetSize, p.Seed = 0, 0, 0 })
	if err := p.Validate(); err != nil {
		t.Fatalf("zero net delay, net size and seed refused: %v", err)
	}
	if f := p.Fill(); f.NetDelay != 0 || f.NetSize != 0 || f.Seed != 0 {
		t.Errorf("Fill replaced explicit zeros: %+v", f)
	}
	ts, err := Build("io-net", 1, p)
	if err != nil || ts[0].Steps[0].Size != 0 || ts[0].Steps[0].Dur != 0 {
		t.Errorf("io-net with zero delay and size built %+v, %v", ts, err)
	}
	// Without Exact a zero is the default, and Fill is idempotent.
	if f := (Params{}).Fill(); f != DefaultParams || f.Fill() != f {
		t.Errorf("Params{}.Fill() = %+v, want the defaults", f)
	}
}
