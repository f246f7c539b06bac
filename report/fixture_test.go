package report

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"concbench/resultfmt"
	"concbench/workload"
)

// update rewrites the fixture and the golden files: go test ./report -update
var update = flag.Bool("update", false, "rewrite testdata/fixture/results.json and the golden files")

const fixturePath = "testdata/fixture/results.json"

// fixtureFile builds a small, deterministic results file that feeds every
// chart: four models, two repeats, made-up but plausible figures.
func fixtureFile() *resultfmt.File {
	rng := rand.New(rand.NewPCG(7, 7))
	f := &resultfmt.File{
		Schema: resultfmt.SchemaVersion, Suite: "fixture", Complete: true,
		Notes: []string{"skipped throughput/noop/multiproc/batch/n=1000: model multiproc is not available in this build"},
		Meta: resultfmt.Meta{Time: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), GoVersion: "go1.26", OS: "linux", Arch: "amd64",
			CPUModel: "Test CPU", Cores: 2, Kernel: "6.1.0", Commit: "abc123", Hostname: "fixture", LoadAvg: [3]float64{0.1, 0.2, 0.3},
			Warnings: []string{"CPU frequency governor is \"powersave\", not \"performance\": clock speed may vary during the run"}},
	}
	conc := map[string]int{"sequential": 1, "eventloop": 0, "goroutines": 0, "pool": 2,
		"py-sequential": 1, "py-asyncio": 0, "py-threads": 32, "py-processes": 2, "node-eventloop": 0, "node-workers": 0}
	add := func(tag, model, wl, load string, tasks, c int, p workload.Params, lat, makespan, cpu float64, tweak func(*resultfmt.Result, int)) {
		if c == 0 {
			c = conc[model]
		}
		for rep := 0; rep < 2; rep++ {
			j := 1 + 0.04*(rng.Float64()-0.5)
			ms := makespan * j
			r := resultfmt.Result{
				Spec:   resultfmt.Spec{Model: model, Workload: wl, Tasks: tasks, Load: load, Params: p.Fill(), Tag: tag, Config: resultfmt.Config{Concurrency: c}},
				Config: resultfmt.Config{Concurrency: c, Procs: map[bool]int{true: 1, false: 2}[model == "sequential" || model == "eventloop"]},
				Shape:  "batch", Repeat: rep, Isolated: true, Started: f.Meta.Time.Add(time.Duration(len(f.Trials)) * time.Second),
				Tasks: tasks, Completed: int64(tasks), Verified: tasks, Makespan: ms, Throughput: float64(tasks) / ms,
				Latency: resultfmt.Dist{Min: lat * 0.9, Mean: lat * 1.1, P50: lat * j, P90: lat * 1.3 * j, P99: lat * 1.8 * j, P999: lat * 2.5 * j, Max: lat * 3 * j},
				CPUUser: cpu * 0.9 * j, CPUSys: cpu * 0.1 * j, BaseRSS: 8 << 20, PeakRSS: 9 << 20, PeakInflight: int64(max(1, min(tasks, c))),
			}
			if c == 0 {
				r.PeakInflight = int64(tasks)
			}
			r.CPUCores = (r.CPUUser + r.CPUSys) / ms
			r.HDR = hdrOf(lat*j, rng)
			for t := 0.0; tag == resultfmt.TagThroughput && t < ms*1000; t += ms * 1000 / 12 {
				r.Timeline = append(r.Timeline, resultfmt.Sample{T: t + ms*1000/12, Cores: math.Min(2, cpu/ms) * (0.95 + 0.05*rng.Float64()), RSS: 9 << 20})
			}
			r.Invariants = []resultfmt.Check{{Name: "verified", OK: true, Value: float64(tasks), Bound: float64(tasks), Detail: "all verified"}}
			if tweak != nil {
				tweak(&r, rep)
			}
			f.Trials = append(f.Trials, r)
		}
	}
	def := workload.Params{}
	ms4 := []string{"sequential", "eventloop", "goroutines", "pool"}
	for _, m := range ms4 {
		par := map[string]float64{"sequential": 1, "eventloop": 1, "goroutines": 1.9, "pool": 1.95}[m]
		add(resultfmt.TagThroughput, m, "noop", "batch", 1000, 0, def, 0.01, 0.001*map[string]float64{"goroutines": 4}[m]+0.0005, 0.0004, nil)
		io := map[string]float64{"sequential": 1.0, "eventloop": 0.0102, "goroutines": 0.011, "pool": 0.5}[m]
		add(resultfmt.TagThroughput, m, "io-sleep", "batch", 100, 0, def, io*500, io, 0.002, nil)
		add(resultfmt.TagThroughput, m, "cpu-hash", "batch", 200, 0, def, 100, 0.2/par, 0.2, nil)
	}
	add(resultfmt.TagSpeedup, "sequential", "cpu-hash", "batch", 200, 0, def, 100, 0.2, 0.2, nil)
	add(resultfmt.TagSpeedup, "eventloop", "cpu-hash", "batch", 200, 0, def, 100, 0.201, 0.2, nil)
	for _, m := range []string{"goroutines", "pool"} {
		for _, w := range []int{1, 2, 4} {
			add(resultfmt.TagSpeedup, m, "cpu-hash", "batch", 200, w, def, 100, 0.2/math.Min(float64(w), 1.9), 0.2, nil)
		}
	}
	for _, n := range []int{10, 100, 1000} {
		add(resultfmt.TagIOScaling, "eventloop", "io-sleep", "batch", n, 0, def, 10, 0.010+float64(n)*2e-7, 0.001, nil)
		add(resultfmt.TagIOScaling, "goroutines", "io-sleep", "batch", n, 0, def, 10, 0.010+float64(n)*1e-6, 0.001, nil)
		if n <= 100 {
			add(resultfmt.TagIOScaling, "sequential", "io-sleep", "batch", n, 0, def, 10, float64(n)*0.0101, 0.001, nil)
		}
	}
	long := workload.Params{Sleep: 500 * time.Millisecond}
	for _, n := range []int{1000, 10000} {
		for _, m := range []string{"eventloop", "goroutines"} {
			per := map[string]int64{"eventloop": 300, "goroutines": 3000}[m]
			add(resultfmt.TagMemory, m, "io-sleep", "batch", n, 0, long, 500, 0.6, 0.01, func(r *resultfmt.Result, rep int) {
				r.PlateauRSS = r.BaseRSS + per*int64(n) + int64(rep)*4096
				r.PeakRSS = r.PlateauRSS + 1<<20 // tasks finishing: not the per-task figure
				r.PlateauInflight, r.PlateauSamples = int64(n), 20
				r.MemPerInflight = float64(r.PlateauRSS-r.BaseRSS) / float64(n)
			})
		}
	}
	for _, rate := range []float64{100, 200, 400} {
		for _, m := range []string{"sequential", "goroutines"} {
			capacity := map[string]float64{"sequential": 250, "goroutines": 500}[m]
			p99 := 2.0
			tput := rate
			if rate > capacity {
				p99, tput = 400, capacity
			}
			add(resultfmt.TagOpenLoad, m, "cpu-hash", "open:"+fmtNum(rate), int(rate), 0, def, p99/2, float64(rate)/tput, 0.2, func(r *resultfmt.Result, _ int) {
				r.Throughput, r.Latency.P99 = tput, p99
			})
		}
	}
	blk := workload.Params{Sleep: 10 * time.Millisecond, Block: 100 * time.Millisecond, BlockEvery: 25}
	for _, m := range []string{"eventloop", "goroutines"} {
		add(resultfmt.TagBlocking, m, "blocking-mistake", "open:100", 100, 0, blk, 10, 1.0, 0.01, func(r *resultfmt.Result, _ int) {
			r.Spec.Series = 100
			for i := 0; i < 100; i++ {
				arrive := float64(i) * 10
				lat := 10 + rng.Float64()
				block := i%25 == 12
				if block {
					lat += 100
				} else if m == "eventloop" && i%25 > 12 && i%25 < 22 {
					lat += 100 - float64(i%25-12)*10
				}
				r.Series = append(r.Series, resultfmt.Point{Task: uint32(i), Arrive: arrive, Latency: lat, Blocking: block})
			}
		})
	}
	runtimesFixture(add)
	addServerFixture(f)
	return f
}

// runtimesFixture adds the "runtimes" experiment: Go beside Python and
// Node.js, with figures shaped like the lesson (asyncio 20x the Go event
// loop's overhead, processes 1.8x on CPU, the GIL at 1x, an event loop's
// stall 10x the threads' p99).
func runtimesFixture(add func(tag, model, wl, load string, tasks, c int, p workload.Params, lat, makespan, cpu float64, tweak func(*resultfmt.Result, int))) {
	rt := resultfmt.TagRuntimes
	def := workload.Params{}
	type mv struct {
		m string
		v float64
	}
	for _, x := range []mv{{"eventloop", 0.1}, {"py-asyncio", 2}, {"node-eventloop", 1}} { // µs per task
		add(rt, x.m, "noop", "batch", 4000, 0, def, 1, 4000*x.v/1e6, 0.001, nil)
	}
	for _, x := range []mv{{"sequential", 0.2}, {"eventloop", 0.2}, {"pool", 0.11}, {"py-sequential", 0.5}, {"py-asyncio", 0.5},
		{"py-threads", 0.51}, {"py-processes", 0.28}, {"node-eventloop", 0.6}, {"node-workers", 0.33}} { // makespan s
		add(rt, x.m, "cpu-hash", "batch", 200, 0, def, 100, x.v, x.v, nil)
	}
	spin := workload.Params{Kernel: workload.Spin, Units: 3}
	for _, x := range []mv{{"py-sequential", 0.3}, {"py-threads", 0.31}, {"py-processes", 0.17}} {
		add(rt, x.m, "cpu-hash", "batch", 150, 0, spin, 100, x.v, x.v, nil)
	}
	blk := workload.Params{Sleep: 10 * time.Millisecond, Block: 100 * time.Millisecond, BlockEvery: 100}
	for _, x := range []mv{{"py-asyncio", 300}, {"node-eventloop", 310}, {"py-threads", 30}} { // p99 ms
		add(rt, x.m, "blocking-mistake", "batch", 500, 0, blk, x.v/1.8, 0.5, 0.01, nil)
	}
	for _, x := range []mv{{"eventloop", 0.85}, {"py-asyncio", 0.6}} { // share of Little's bound
		add(rt, x.m, "io-net", "closed:32", 800, 0, def, 5, 800/(x.v*6400), 0.1, nil)
	}
}

// hdrOf makes a small latency histogram around lat ms.
func hdrOf(lat float64, rng *rand.Rand) string {
	h := hdr.New(1, 3_600_000_000_000, 3)
	for i := 0; i < 200; i++ {
		v := lat * 1e6 * (0.9 + 0.2*rng.Float64()) // ms -> ns
		if i%50 == 0 {
			v *= 2.5
		}
		_ = h.RecordValue(int64(max(v, 1)))
	}
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// fixtureDir copies the fixture results file into a fresh directory,
// (re)writing it first with -update.
func fixtureDir(t *testing.T) string {
	t.Helper()
	if *update {
		b, err := json.Marshal(fixtureFile()) // compact: the fixture stays small
		if err != nil {
			t.Fatal(err)
		}
		if err := resultfmt.WriteAtomic(fixturePath, b); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatalf("read fixture (run go test ./report -update to create it): %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fixtureData loads the fixture as Data.
func fixtureData(t *testing.T) *Data {
	t.Helper()
	f, err := resultfmt.ReadFile(filepath.Join(fixtureDir(t), "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	return NewData(f)
}
