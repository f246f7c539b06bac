package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// Suite is a matrix of trials: a list of experiments, each the cross
// product of its axes. It is what `concbench sweep --suite FILE` reads (as
// JSON, see scripts/suite-example.json) and what the built-in suites
// (quick, default) are.
type Suite struct {
	Name string `json:"name"`
	Doc  string `json:"doc,omitempty"`
	// Repeats is R, the measured repeats of every cell (default 5: with
	// 5 + 5 repeats the Mann-Whitney U test of `compare` can reach
	// p < 0.05; 3 + 3 never can).
	Repeats int `json:"repeats,omitempty"`
	// MaxRepeats turns on adaptive repeats (as hyperfine and JMH do):
	// after R rounds, cells whose 95% confidence interval of the median
	// throughput is wider than ±CITarget run more rounds, up to MaxRepeats
	// repeats in all (default R: no adaptive repeats).
	MaxRepeats int `json:"max_repeats,omitempty"`
	// CITarget is the relative half width adaptive repeats aim for
	// (default 0.03).
	CITarget float64 `json:"ci_target,omitempty"`
	// ExtraBudget bounds the time spent on adaptive repeats, as a Go
	// duration ("3m"); 0 = no bound.
	ExtraBudget Duration `json:"extra_budget,omitempty"`
	// Seed makes the randomised trial order reproducible (default 1).
	Seed uint64 `json:"seed,omitempty"`
	// Timeout bounds each trial (default 2m), as a Go duration ("90s").
	Timeout Duration `json:"timeout,omitempty"`
	// Experiments are the matrix; each is expanded on its own.
	Experiments []Experiment `json:"experiments"`
	// Servers are the server-role experiments (bench/suite_server.go).
	Servers []ServerExperiment `json:"servers,omitempty"`
}

// Experiment is one axis of a suite: every combination of its workloads,
// models, loads, task counts and concurrencies becomes a cell (one Spec),
// run Repeats times.
type Experiment struct {
	// Tag labels the experiment in the results (Spec.Tag); the report
	// charts the tags named by the Tag* constants.
	Tag       string   `json:"tag"`
	Workloads []string `json:"workloads"`
	// Models defaults to every registered Go model (models in other
	// runtimes are named explicitly, with sizes for them); a model that
	// is unavailable on this machine is skipped with a note.
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
	Procs int `json:"gomaxprocs,omitempty"`
	// Direct reads the data files with O_DIRECT (cold cache: every read
	// goes to the device, where otherwise the just-written files are read
	// from the page cache).
	Direct bool   `json:"direct,omitempty"`
	Params Params `json:"params,omitempty"`
	// Series keeps up to this many per-task points per trial (chart 9).
	Series int `json:"series,omitempty"`
}

// ParseSuite reads a JSON suite and checks it; unknown fields, unknown
// names and impossible sizes are errors naming the experiment.
func ParseSuite(r io.Reader) (*Suite, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read suite: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s Suite
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("suite is not valid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("suite is not valid JSON: text after the closing brace at byte %d", dec.InputOffset())
	}
	if err := writtenZeros(b, &s); err != nil {
		return nil, err
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
		s.Repeats = 5
	}
	if s.Repeats < 1 || s.Repeats > 100 {
		return fmt.Errorf("suite %s: repeats %d out of range (allowed 1..100)", s.Name, s.Repeats)
	}
	if s.MaxRepeats == 0 {
		s.MaxRepeats = s.Repeats
	}
	if s.MaxRepeats < s.Repeats || s.MaxRepeats > 100 {
		return fmt.Errorf("suite %s: max_repeats %d out of range (allowed repeats %d..100)", s.Name, s.MaxRepeats, s.Repeats)
	}
	if s.CITarget == 0 {
		s.CITarget = resultfmt.CITarget
	}
	if !(s.CITarget > 0 && s.CITarget <= 1) {
		return fmt.Errorf("suite %s: ci_target %g out of range (allowed (0, 1])", s.Name, s.CITarget)
	}
	if s.ExtraBudget < 0 {
		return fmt.Errorf("suite %s: extra_budget must not be negative", s.Name)
	}
	if s.Seed == 0 {
		s.Seed = 1
	}
	if s.Timeout == 0 {
		s.Timeout = Duration(2 * time.Minute)
	}
	if err := checkTimeout(time.Duration(s.Timeout)); err != nil {
		return fmt.Errorf("suite %s: %v", s.Name, strings.TrimPrefix(err.Error(), "--"))
	}
	if len(s.Experiments) == 0 {
		return fmt.Errorf("suite %s has no experiments", s.Name)
	}
	for i := range s.Experiments {
		if err := s.Experiments[i].check(); err != nil {
			return fmt.Errorf("suite %s, experiment %d (%s): %w", s.Name, i+1, s.Experiments[i].Tag, err)
		}
	}
	if err := s.checkServers(); err != nil {
		return err
	}
	if n := s.cellCount(); n > MaxCells {
		return fmt.Errorf("suite %s has %.0f cells (allowed 1..%d)", s.Name, n, MaxCells)
	}
	// Every cell as it will run (open loads make their task counts from
	// rate x seconds), so no cell is found impossible mid-sweep.
	for _, c := range s.Cells() {
		if skipReason(c) != "" {
			continue
		}
		if err := ValidateSpec(&c); err != nil {
			return fmt.Errorf("suite %s, cell %s: %s", s.Name, c.Name(), strings.TrimPrefix(err.Error(), ErrUsage.Error()+": "))
		}
	}
	return nil
}

func (e *Experiment) check() error {
	if e.Tag == "" {
		return errors.New("no tag")
	}
	if err := checkNames(e.Workloads, e.Models); err != nil {
		return err
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
		if err := checkConfig(resultfmt.Config{Concurrency: c, Procs: e.Procs}); err != nil {
			return err
		}
	}
	if err := limitSeries.check(e.Series); err != nil {
		return err
	}
	if _, err := e.Params.Workload(); err != nil {
		return err
	}
	return nil
}

// MaxCells bounds a suite's matrix (the default suite has a few hundred
// cells), so a suite file cannot expand into millions of specs.
const MaxCells = 100_000

// cellCount is len(s.Cells()) without expanding them (in float64: the
// product of a hostile file's list lengths may overflow an int).
func (s *Suite) cellCount() float64 {
	total := 0.0
	for _, e := range s.Experiments {
		nm := len(e.Models)
		if nm == 0 {
			nm = len(models.Names())
		}
		per := 0.0
		for _, l := range e.Loads {
			k := float64(len(e.tasksFor(l)))
			if !e.ConcurrencyMatchesTasks {
				k *= float64(len(e.Concurrency))
			}
			per += k
		}
		total += float64(len(e.Workloads)*nm) * per
	}
	return total
}

// Cells expands the suite into one Spec per matrix cell, in suite order.
// An experiment without models runs every registered Go model (models in
// other runtimes get their own experiments, sized for them).
func (s *Suite) Cells() []Spec {
	var out []Spec
	for _, e := range s.Experiments {
		wp, _ := e.Params.Workload() // checked
		ms := e.Models
		if len(ms) == 0 {
			ms = goModels()
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
								Config:  resultfmt.Config{Concurrency: c, Procs: e.Procs},
								Timeout: time.Duration(s.Timeout), Series: e.Series, Tag: e.Tag, Direct: e.Direct,
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

// ErrBadSuite marks a suite file that cannot be read or is invalid.
var ErrBadSuite = errors.New("bad suite file")

// LoadSuite returns the built-in suite called name, or reads the JSON suite
// file at that path.
func LoadSuite(name string) (*Suite, error) {
	if s, ok := builtinSuites()[name]; ok {
		if err := s.Check(); err != nil {
			return nil, fmt.Errorf("built-in suite %s: %w", name, err)
		}
		return s, nil
	}
	b, err := resultfmt.ReadLimited(name, resultfmt.MaxSuiteBytes, "suite files")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w %q: not a built-in suite (allowed: %s) nor an existing file", ErrUnknownSuite, name, strings.Join(SuiteNames(), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSuite, err)
	}
	s, err := ParseSuite(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w %s: %v", ErrBadSuite, name, err)
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

// goModels lists the registered models that run in Go (not in another
// runtime).
func goModels() []string {
	var out []string
	for _, n := range models.Names() {
		if i, _ := models.Lookup(n); i.Runtime == nil {
			out = append(out, n)
		}
	}
	return out
}

// checkNames checks an experiment's workloads (at least one) and models
// against their registries.
func checkNames(workloads, modelNames []string) error {
	if len(workloads) == 0 {
		return errors.New("no workloads")
	}
	for _, w := range workloads {
		if _, err := workload.Lookup(w); err != nil {
			return err
		}
	}
	for _, m := range modelNames {
		if _, err := models.Lookup(m); err != nil {
			return err
		}
	}
	return nil
}
