package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"concbench/models"
	"concbench/workload"
)

// Experiment tags the report knows how to chart. A suite may use other tags;
// their trials still land in results.json, results.csv and the tables.
const (
	TagThroughput = "throughput" // batch trials per workload and model: charts 1, 5, 6
	TagLatency    = "latency"    // closed-load trials per workload and model: chart 2
	TagSpeedup    = "speedup"    // cpu-hash batches as workers grow: chart 3
	TagIOScaling  = "io-scaling" // io-sleep makespan vs tasks: chart 4
	TagMemory     = "memory"     // long io-sleep at many in-flight counts: chart 7
	TagOpenLoad   = "open-load"  // open:RATE at several rates: chart 8
	TagBlocking   = "blocking"   // blocking-mistake per-task series: chart 9
)

// Suite is a matrix of trials: a list of experiments, each the cross
// product of its axes. It is what `concbench sweep --suite FILE` reads (as
// JSON, see scripts/suite-example.json) and what the built-in suites
// (quick, default) are.
type Suite struct {
	Name string `json:"name"`
	Doc  string `json:"doc,omitempty"`
	// Repeats is R, the measured repeats of every cell (default 3).
	Repeats int `json:"repeats,omitempty"`
	// Seed makes the randomised trial order reproducible (default 1).
	Seed uint64 `json:"seed,omitempty"`
	// Timeout bounds each trial (default 2m), as a Go duration ("90s").
	Timeout Duration `json:"timeout,omitempty"`
	// Experiments are the matrix; each is expanded on its own.
	Experiments []Experiment `json:"experiments"`
}

// Experiment is one axis of a suite: every combination of its workloads,
// models, loads, task counts and concurrencies becomes a cell (one Spec),
// run Repeats times.
type Experiment struct {
	// Tag labels the experiment in the results (Spec.Tag); the report
	// charts the tags named by the Tag* constants.
	Tag       string   `json:"tag"`
	Workloads []string `json:"workloads"`
	// Models defaults to all five models; a model that is not built into
	// this binary is skipped with a note.
	Models []string `json:"models,omitempty"`
	// Loads defaults to ["batch"].
	Loads []string `json:"loads,omitempty"`
	// Tasks are the task counts. For open:RATE loads with OpenSeconds > 0
	// the count is RATE x OpenSeconds instead.
	Tasks       []int   `json:"tasks,omitempty"`
	OpenSeconds float64 `json:"open_seconds,omitempty"`
	// Concurrency values to try (0 = the model's default); with
	// ConcurrencyMatchesTasks the concurrency equals the task count
	// instead (a pool of W = N workers).
	Concurrency             []int `json:"concurrency,omitempty"`
	ConcurrencyMatchesTasks bool  `json:"concurrency_matches_tasks,omitempty"`
	// GOMAXPROCS for every cell (0 = the model's default).
	Procs  int    `json:"gomaxprocs,omitempty"`
	Params Params `json:"params,omitempty"`
	// Series keeps up to this many per-task points per trial (chart 9).
	Series int `json:"series,omitempty"`
}

// Params are workload sizes in suite-file spelling: durations as Go
// duration strings. Zero fields take workload.DefaultParams.
type Params struct {
	Sleep      Duration `json:"sleep,omitempty"`
	Kernel     string   `json:"kernel,omitempty"`
	Units      uint32   `json:"units,omitempty"`
	Block      Duration `json:"block,omitempty"`
	BlockEvery int      `json:"block_every,omitempty"`
	NetDelay   Duration `json:"net_delay,omitempty"`
	NetSize    int64    `json:"net_size,omitempty"`
	ReadSize   int64    `json:"read_size,omitempty"`
	FileSize   int64    `json:"file_size,omitempty"`
	Files      int      `json:"files,omitempty"`
	Seed       uint64   `json:"seed,omitempty"`
}

// Workload converts p to workload.Params.
func (p Params) Workload() (workload.Params, error) {
	wp := workload.Params{
		Sleep: time.Duration(p.Sleep), Units: p.Units, Block: time.Duration(p.Block),
		BlockEvery: p.BlockEvery, NetDelay: time.Duration(p.NetDelay), NetSize: p.NetSize,
		ReadSize: p.ReadSize, FileSize: p.FileSize, Files: p.Files, Seed: p.Seed,
	}
	if p.Kernel != "" {
		k, ok := workload.Kernels[p.Kernel]
		if !ok {
			return wp, fmt.Errorf("unknown kernel %q (allowed: %s)", p.Kernel, strings.Join(sortedKeys(workload.Kernels), ", "))
		}
		wp.Kernel = k
	}
	return wp, wp.Validate()
}

// Duration is a time.Duration spelled as a Go duration string in JSON
// ("10ms"); a bare number is read as nanoseconds.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration must be a string such as \"10ms\", got %s", b)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q (want e.g. \"10ms\", \"1.5s\")", s)
	}
	*d = Duration(v)
	return nil
}

// knownWorkloads are presets a suite may name even when this binary does
// not (yet) provide them: their cells are skipped with a note.
var knownWorkloads = []string{"noop", "io-sleep", "cpu-hash", "blocking-mistake", "io-net", "mixed", "io-file"}

// ParseSuite reads a JSON suite and checks it; unknown fields, unknown
// names and impossible sizes are errors naming the experiment.
func ParseSuite(r io.Reader) (*Suite, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Suite
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("suite is not valid JSON: %w", err)
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return &s, nil
}

// Check validates s and fills its defaults.
func (s *Suite) Check() error {
	if s.Name == "" {
		return errors.New("suite has no name")
	}
	if s.Repeats == 0 {
		s.Repeats = 3
	}
	if s.Repeats < 1 || s.Repeats > 100 {
		return fmt.Errorf("suite %s: repeats %d out of range (allowed 1..100)", s.Name, s.Repeats)
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.Timeout == 0 {
		s.Timeout = Duration(2 * time.Minute)
	}
	if s.Timeout < 0 {
		return fmt.Errorf("suite %s: timeout must be positive", s.Name)
	}
	if len(s.Experiments) == 0 {
		return fmt.Errorf("suite %s has no experiments", s.Name)
	}
	for i := range s.Experiments {
		if err := s.Experiments[i].check(); err != nil {
			return fmt.Errorf("suite %s, experiment %d (%s): %w", s.Name, i+1, s.Experiments[i].Tag, err)
		}
	}
	return nil
}

func (e *Experiment) check() error {
	if e.Tag == "" {
		return errors.New("no tag")
	}
	if len(e.Workloads) == 0 {
		return errors.New("no workloads")
	}
	for _, w := range e.Workloads {
		if !slices.Contains(knownWorkloads, w) && !slices.Contains(workload.Names(), w) {
			return fmt.Errorf("unknown workload %q (allowed: %s)", w, strings.Join(union(knownWorkloads, workload.Names()), ", "))
		}
	}
	for _, m := range e.Models {
		if !slices.Contains(models.Order, m) && !slices.Contains(models.Names(), m) {
			return fmt.Errorf("unknown model %q (allowed: %s)", m, strings.Join(union(models.Order, models.Names()), ", "))
		}
	}
	if len(e.Loads) == 0 {
		e.Loads = []string{"batch"}
	}
	open := false
	for _, l := range e.Loads {
		ld, err := ParseLoad(l, 1, 1)
		if err != nil {
			return err
		}
		open = open || ld.Shape == models.Open
	}
	if e.OpenSeconds < 0 || e.OpenSeconds > 3600 {
		return fmt.Errorf("open_seconds %g out of range (allowed 0..3600)", e.OpenSeconds)
	}
	needTasks := !(open && e.OpenSeconds > 0) || slices.ContainsFunc(e.Loads, func(l string) bool { return !strings.HasPrefix(l, "open:") })
	if needTasks && len(e.Tasks) == 0 {
		return errors.New("no task counts (tasks)")
	}
	for _, n := range e.Tasks {
		if n < 1 || n > workload.MaxTasks {
			return fmt.Errorf("tasks %d out of range (allowed 1..%d)", n, workload.MaxTasks)
		}
	}
	if len(e.Concurrency) == 0 {
		e.Concurrency = []int{0}
	}
	for _, c := range e.Concurrency {
		if c < 0 || c > 1_000_000 {
			return fmt.Errorf("concurrency %d out of range (allowed 0..1000000, 0 = model default)", c)
		}
	}
	if e.Procs < 0 || e.Procs > 4096 {
		return fmt.Errorf("gomaxprocs %d out of range (allowed 0..4096)", e.Procs)
	}
	if e.Series < 0 || e.Series > 1_000_000 {
		return fmt.Errorf("series %d out of range (allowed 0..1000000)", e.Series)
	}
	if _, err := e.Params.Workload(); err != nil {
		return err
	}
	return nil
}

// Cells expands the suite into one Spec per matrix cell, in suite order.
// Models default to the five of models.Order.
func (s *Suite) Cells() []Spec {
	var out []Spec
	for _, e := range s.Experiments {
		wp, _ := e.Params.Workload() // checked
		ms := e.Models
		if len(ms) == 0 {
			ms = models.Order
		}
		for _, w := range e.Workloads {
			for _, m := range ms {
				for _, l := range e.Loads {
					for _, n := range e.tasksFor(l) {
						concs := e.Concurrency
						if e.ConcurrencyMatchesTasks {
							concs = []int{n}
						}
						for _, c := range concs {
							out = append(out, Spec{
								Model: m, Workload: w, Tasks: n, Load: l, Params: wp,
								Config:  models.Config{Concurrency: c, Procs: e.Procs},
								Timeout: time.Duration(s.Timeout), Series: e.Series, Tag: e.Tag,
							})
						}
					}
				}
			}
		}
	}
	return out
}

// tasksFor is the task counts of load l: RATE x OpenSeconds for open loads
// when OpenSeconds is set, else Tasks.
func (e Experiment) tasksFor(l string) []int {
	if e.OpenSeconds > 0 && strings.HasPrefix(l, "open:") {
		rate, _ := strconv.ParseFloat(strings.Split(l, ":")[1], 64)
		return []int{max(1, int(math.Round(rate*e.OpenSeconds)))}
	}
	return e.Tasks
}

// ErrUnknownSuite marks a --suite that is neither a built-in name nor a
// readable file.
var ErrUnknownSuite = errors.New("unknown suite")

// LoadSuite returns the built-in suite called name, or reads the JSON suite
// file at that path.
func LoadSuite(name string) (*Suite, error) {
	if s, ok := builtinSuites()[name]; ok {
		if err := s.Check(); err != nil {
			return nil, fmt.Errorf("built-in suite %s: %w", name, err)
		}
		return s, nil
	}
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %q: not a built-in suite (allowed: %s) nor an existing file", ErrUnknownSuite, name, strings.Join(SuiteNames(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: read %s: %v", ErrUnknownSuite, name, err)
	}
	s, err := ParseSuite(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrUnknownSuite, name, err)
	}
	return s, nil
}

// SuiteNames lists the built-in suites.
func SuiteNames() []string { return sortedKeys(builtinSuites()) }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// builtinSuites returns fresh copies of the built-in suites.
func builtinSuites() map[string]*Suite {
	return map[string]*Suite{"quick": quickSuite(), "default": defaultSuite()}
}

// ms is a Duration of n milliseconds.
func ms(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }

// Model groups used by the built-in suites.
var (
	parallelModels = []string{"goroutines", "pool", "multiproc"}
	ioModels       = []string{"eventloop", "goroutines"}
)

// quickSuite feeds every chart in about two minutes on two cores: small
// task counts, two repeats.
func quickSuite() *Suite {
	return &Suite{
		Name: "quick", Repeats: 2, Seed: 1,
		Doc: "every chart, small sizes: about 2 minutes on 2 cores",
		Experiments: []Experiment{
			{Tag: TagThroughput, Workloads: []string{"noop"}, Tasks: []int{5000}},
			{Tag: TagThroughput, Workloads: []string{"io-sleep", "io-net", "mixed"}, Tasks: []int{100}},
			{Tag: TagThroughput, Workloads: []string{"cpu-hash"}, Tasks: []int{200}, Params: Params{Units: 1000}},
			{Tag: TagThroughput, Workloads: []string{"io-file"}, Tasks: []int{1000}},
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"sequential"}, Tasks: []int{200}, Params: Params{Units: 1000}},
			// The event loop has one loop thread whatever GOMAXPROCS is: its
			// x axis is GOMAXPROCS, to show more threads do not help it.
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{200}, Procs: 1, Params: Params{Units: 1000}},
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{200}, Procs: 2, Params: Params{Units: 1000}},
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{200}, Procs: 4, Params: Params{Units: 1000}},
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: parallelModels, Tasks: []int{200}, Concurrency: []int{1, 2, 4}, Params: Params{Units: 1000}},
			{Tag: TagIOScaling, Workloads: []string{"io-sleep"}, Models: ioModels, Tasks: []int{10, 100, 1000, 10000}},
			{Tag: TagIOScaling, Workloads: []string{"io-sleep"}, Models: []string{"sequential", "pool", "multiproc"}, Tasks: []int{10, 100}},
			{Tag: TagMemory, Workloads: []string{"io-sleep"}, Models: ioModels, Tasks: []int{1000, 10000, 30000}, Params: Params{Sleep: ms(400)}},
			{Tag: TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"pool"}, Tasks: []int{1000, 10000}, ConcurrencyMatchesTasks: true, Params: Params{Sleep: ms(400)}},
			{Tag: TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"multiproc"}, Tasks: []int{2, 4, 8}, ConcurrencyMatchesTasks: true, Params: Params{Sleep: ms(400)}},
			{Tag: TagOpenLoad, Workloads: []string{"cpu-hash"}, Loads: []string{"open:500", "open:1200", "open:3000"}, OpenSeconds: 0.4, Params: Params{Units: 1000}},
			{Tag: TagBlocking, Workloads: []string{"blocking-mistake"}, Models: ioModels, Loads: []string{"open:500"}, OpenSeconds: 1, Series: 2000,
				Params: Params{Sleep: ms(10), Block: ms(100), BlockEvery: 125}},
		},
	}
}

// defaultSuite is the published matrix behind `make report`: about 15
// minutes on two cores with three repeats.
func defaultSuite() *Suite {
	rates := []string{"open:250", "open:500", "open:1000", "open:2000", "open:3000", "open:4000"}
	return &Suite{
		Name: "default", Repeats: 3, Seed: 1,
		Doc: "the published matrix: about 15 minutes on 2 cores",
		Experiments: []Experiment{
			{Tag: TagThroughput, Workloads: []string{"noop"}, Tasks: []int{20000}},
			{Tag: TagThroughput, Workloads: []string{"io-sleep", "io-net", "mixed"}, Tasks: []int{400}},
			{Tag: TagThroughput, Workloads: []string{"cpu-hash"}, Tasks: []int{1000}},
			{Tag: TagThroughput, Workloads: []string{"io-file"}, Tasks: []int{5000}},
			{Tag: TagLatency, Workloads: []string{"io-sleep", "io-net", "mixed"}, Loads: []string{"closed:32"}, Tasks: []int{400}},
			{Tag: TagLatency, Workloads: []string{"cpu-hash"}, Loads: []string{"closed:32"}, Tasks: []int{1000}},
			{Tag: TagLatency, Workloads: []string{"io-file"}, Loads: []string{"closed:32"}, Tasks: []int{5000}},
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"sequential"}, Tasks: []int{500}},
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{500}, Procs: 1},
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{500}, Procs: 2},
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{500}, Procs: 4},
			{Tag: TagSpeedup, Workloads: []string{"cpu-hash"}, Models: parallelModels, Tasks: []int{500}, Concurrency: []int{1, 2, 3, 4}},
			{Tag: TagIOScaling, Workloads: []string{"io-sleep"}, Models: ioModels, Tasks: []int{10, 30, 100, 300, 1000, 3000, 10000}},
			{Tag: TagIOScaling, Workloads: []string{"io-sleep"}, Models: []string{"pool", "multiproc"}, Tasks: []int{10, 30, 100, 300, 1000}},
			{Tag: TagIOScaling, Workloads: []string{"io-sleep"}, Models: []string{"sequential"}, Tasks: []int{10, 30, 100, 300}},
			{Tag: TagMemory, Workloads: []string{"io-sleep"}, Models: ioModels, Tasks: []int{1000, 10000, 100000}, Params: Params{Sleep: ms(1000)}},
			{Tag: TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"pool"}, Tasks: []int{1000, 10000, 50000}, ConcurrencyMatchesTasks: true, Params: Params{Sleep: ms(1000)}},
			{Tag: TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"multiproc"}, Tasks: []int{2, 4, 8, 16}, ConcurrencyMatchesTasks: true, Params: Params{Sleep: ms(1000)}},
			{Tag: TagOpenLoad, Workloads: []string{"cpu-hash"}, Loads: rates, OpenSeconds: 1, Params: Params{Units: 1000}},
			{Tag: TagBlocking, Workloads: []string{"blocking-mistake"}, Models: ioModels, Loads: []string{"open:1000"}, OpenSeconds: 3, Series: 3000,
				Params: Params{Sleep: ms(10), Block: ms(100), BlockEvery: 500}},
		},
	}
}
