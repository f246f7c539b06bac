package compare

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"testing"
	"time"

	rf "concbench/resultfmt"
)

// update rewrites the fixtures and golden files: go test ./compare -update
var update = flag.Bool("update", false, "rewrite testdata/{old,new}/results.json and the golden files")

// fixtureCell is one configuration of the fixtures: its spec and the
// throughput of each repeat on each side. Latency scales as 1/throughput,
// CPU and memory per task stay put, so every metric's expected change is
// known.
type fixtureCell struct {
	spec     rf.Spec
	old, new []float64
}

var (
	// cellFaster doubles its throughput with tight repeats (+-1%).
	cellFaster = rf.Spec{Tag: "throughput", Workload: "cpu-hash", Model: "goroutines", Load: "batch", Tasks: 200}
	// cellNoisy changes nothing but scatters by +-20%, overlapping.
	cellNoisy = rf.Spec{Tag: "throughput", Workload: "io-sleep", Model: "pool", Load: "batch", Tasks: 1000, Config: rf.Config{Concurrency: 32}}
	// cellSame is identical on both sides.
	cellSame = rf.Spec{Tag: "throughput", Workload: "noop", Model: "sequential", Load: "batch", Tasks: 5000}
	// cellOldOnly and cellNewOnly were measured on one side.
	cellOldOnly = rf.Spec{Tag: "throughput", Workload: "mixed", Model: "eventloop", Load: "batch", Tasks: 100}
	cellNewOnly = rf.Spec{Tag: "latency", Workload: "io-net", Model: "eventloop", Load: "closed:10", Tasks: 1000}
)

var tight = []float64{1000, 1010, 990, 1005, 995}

func scaled(xs []float64, f float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * f
	}
	return out
}

var fixtureCells = []fixtureCell{
	{cellFaster, tight, scaled(tight, 2)},
	{cellNoisy, []float64{800, 1200, 950, 1100, 1000}, []float64{1150, 850, 1000, 900, 1050}},
	{cellSame, scaled(tight, 50), scaled(tight, 50)},
	{cellOldOnly, tight, nil},
	{cellNewOnly, nil, tight},
}

// trials makes one measured trial per throughput value, plus a warm-up
// that compare must ignore.
func trials(spec rf.Spec, tps []float64) []rf.Result {
	var out []rf.Result
	if len(tps) > 0 {
		out = append(out, rf.Result{Spec: spec, Repeat: -1, Completed: int64(spec.Tasks), Throughput: 1,
			Latency: rf.Dist{P50: 1e6, P99: 1e6}, CPUUser: 1e3, MemPerInflight: 1e9})
	}
	for i, tp := range tps {
		n := float64(spec.Tasks)
		out = append(out, rf.Result{Spec: spec, Config: spec.Config, Repeat: i, Tasks: spec.Tasks, Completed: int64(spec.Tasks), Verified: spec.Tasks,
			Makespan: n / tp, Throughput: tp,
			Latency:        rf.Dist{P50: 0.5 * n / tp * 1e3, P99: 0.99 * n / tp * 1e3},
			CPUUser:        n * (100 + float64(i)) * 1e-6, // ~100 µs/task, distinct per repeat
			MemPerInflight: 2048 + float64(i),
		})
	}
	return out
}

// fixture builds the old and new results files: the same machine, new
// on a newer Go.
func fixture() (old, new *rf.File) {
	meta := rf.Meta{Time: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), GoVersion: "go1.26.0", OS: "linux", Arch: "amd64",
		CPUModel: "Test CPU", Cores: 2, Kernel: "6.1", Commit: "aaaa", Hostname: "box"}
	models := []string{"sequential", "eventloop", "goroutines", "pool", "multiproc"}
	old = &rf.File{Schema: rf.SchemaVersion, Suite: "fixture", Complete: true, Warmup: true, Models: models, Meta: meta}
	new = &rf.File{Schema: rf.SchemaVersion, Suite: "fixture", Complete: true, Warmup: true, Models: models, Meta: meta}
	new.Meta.GoVersion, new.Meta.Commit = "go1.26.1", "bbbb"
	new.Meta.Time = meta.Time.Add(24 * time.Hour)
	for _, c := range fixtureCells {
		old.Trials = append(old.Trials, trials(c.spec, c.old)...)
		new.Trials = append(new.Trials, trials(c.spec, c.new)...)
	}
	return old, new
}

// fixtureSides reads the fixtures from testdata (rewriting them first
// with -update), so the files the CLI tests and README use are the ones
// tested here.
func fixtureSides(t *testing.T) (old, new Side) {
	t.Helper()
	paths := [2]string{filepath.Join("testdata", "old", "results.json"), filepath.Join("testdata", "new", "results.json")}
	if *update {
		o, n := fixture()
		for i, f := range []*rf.File{o, n} {
			b, err := json.Marshal(f) // compact: the fixtures stay small
			if err != nil {
				t.Fatal(err)
			}
			if err := rf.WriteAtomic(paths[i], b); err != nil {
				t.Fatal(err)
			}
		}
	}
	var sides [2]Side
	for i, p := range paths {
		f, err := rf.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test ./compare -update)", err)
		}
		sides[i] = Side{Label: filepath.Dir(p), File: f}
	}
	return sides[0], sides[1]
}
