// Package compare compares two concbench results files: for every
// configuration measured in both, the change of each headline figure as a
// ratio new/old with a 95% confidence interval from the repeats and a
// Mann-Whitney U significance test, as benchstat does for `go test -bench`
// output; plus the geometric mean of the ratios per model, the
// configurations found on one side only, and warnings when the two runs come
// from different machines, Go versions or suites.
//
// It reads results files only (the schema package): it links no model,
// server or harness code.
package compare

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	rf "concbench/resultfmt"
)

// Metric is a headline figure of a trial that compare reports.
type Metric struct {
	// ID names the metric on the command line and in file names.
	ID string
	// Name and Unit label tables and chart axes.
	Name, Unit string
	// HigherIsBetter says which direction is an improvement.
	HigherIsBetter bool
	// Value extracts the figure from one trial.
	Value func(rf.Result) float64
	// Valid, when set, says whether a trial measured the figure at all;
	// trials it rejects are left out of the comparison.
	Valid func(rf.Result) bool
}

// Metrics are the headline figures, in display order.
var Metrics = []Metric{
	{ID: "throughput", Name: "throughput", Unit: "tasks/s", HigherIsBetter: true,
		Value: func(r rf.Result) float64 { return r.Throughput }},
	{ID: "p50", Name: "p50 latency", Unit: "ms",
		Value: func(r rf.Result) float64 { return r.Latency.P50 }},
	{ID: "p99", Name: "p99 latency", Unit: "ms",
		Value: func(r rf.Result) float64 { return r.Latency.P99 }},
	{ID: "cpu", Name: "CPU per task", Unit: "µs/task", Value: rf.Result.CPUPerTask,
		// A window too short for the CPU clocks measured nothing.
		Valid: func(r rf.Result) bool { return r.CPUUnresolved == "" }},
	{ID: "mem", Name: "memory per in-flight task", Unit: "bytes",
		Value: func(r rf.Result) float64 { return r.MemPerInflight }},
}

// Side is one of the two compared runs.
type Side struct {
	// Label names the side in the output (the path by default).
	Label string
	File  *rf.File
}

// Config is one configuration (one matrix cell of a sweep) with the
// measured repeats of each side.
type Config struct {
	Key  string
	Name string
	Spec rf.Spec
	// Old and New are the measured trials (warm-ups and failures left out).
	Old, New []rf.Result
}

// Row is the comparison of one configuration present on both sides.
type Row struct {
	Config *Config
	// Changes has one entry per metric of Metrics.
	Changes []Change
}

// Geomean is the geometric mean of one model's ratios for one metric.
type Geomean struct {
	Ratio float64
	// N is the number of configurations whose ratio is defined;
	// Better and Worse count the significant changes among them.
	N, Better, Worse int
}

// Comparison is the whole result of comparing two runs.
type Comparison struct {
	Old, New Side
	// Rows are the configurations present on both sides, in display order.
	Rows []Row
	// OnlyOld and OnlyNew name configurations measured on one side only.
	OnlyOld, OnlyNew []string
	// Models lists the models of Rows in order; Geomeans[model][i] is the
	// geometric mean for Metrics[i].
	Models   []string
	Geomeans map[string][]Geomean
	// Warnings say why the two runs may not be comparable.
	Warnings []string
}

// group collects f's measured trials by configuration key.
func group(f *rf.File) (map[string][]rf.Result, map[string]rf.Spec) {
	trials, specs := map[string][]rf.Result{}, map[string]rf.Spec{}
	for _, r := range f.Trials {
		if r.Repeat < 0 || r.Error != "" {
			continue
		}
		k := r.Spec.Key()
		trials[k] = append(trials[k], r)
		specs[k] = r.Spec
	}
	return trials, specs
}

// Compare compares old with new.
func Compare(old, new Side) *Comparison {
	c, _ := CompareContext(context.Background(), old, new)
	return c
}

// CompareContext compares old with new, stopping with ctx's error (and a
// nil Comparison) when ctx ends: it checks ctx before each statistic, so
// Ctrl-C is honoured within one (milliseconds, even at 200 repeats a side).
func CompareContext(ctx context.Context, old, new Side) (*Comparison, error) {
	c := &Comparison{Old: old, New: new, Geomeans: map[string][]Geomean{}}
	oldTrials, oldSpecs := group(old.File)
	newTrials, newSpecs := group(new.File)
	var configs []*Config
	for k, spec := range oldSpecs {
		if _, ok := newSpecs[k]; ok {
			configs = append(configs, &Config{Key: k, Name: spec.Name(), Spec: spec, Old: oldTrials[k], New: newTrials[k]})
		}
	}
	c.OnlyOld = onlyIn(oldSpecs, newSpecs)
	c.OnlyNew = onlyIn(newSpecs, oldSpecs)
	for _, cfg := range configs {
		if !slices.Contains(c.Models, cfg.Spec.Model) {
			c.Models = append(c.Models, cfg.Spec.Model)
		}
	}
	sortModels(c.Models, old.File.Models, new.File.Models)
	sort.Slice(configs, func(a, b int) bool {
		x, y := configs[a].Spec, configs[b].Spec
		return x.Less(y, slices.Index(c.Models, x.Model), slices.Index(c.Models, y.Model))
	})
	for _, cfg := range configs {
		row := Row{Config: cfg}
		for _, m := range Metrics {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			row.Changes = append(row.Changes, change(m, values(cfg.Old, m), values(cfg.New, m)))
		}
		holm(row.Changes)
		c.Rows = append(c.Rows, row)
	}
	for _, model := range c.Models {
		c.Geomeans[model] = c.geomeans(model)
	}
	c.Warnings = warnings(c)
	return c, nil
}

// sortModels orders models as the results files list them (the registry's
// order when they were written), models neither lists last by name.
func sortModels(ms []string, orders ...[]string) {
	rank := func(m string) int {
		for _, o := range orders {
			if i := slices.Index(o, m); i >= 0 {
				return i
			}
		}
		return math.MaxInt
	}
	slices.SortStableFunc(ms, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return cmp.Compare(ra, rb)
		}
		return strings.Compare(a, b)
	})
}

// onlyIn names the configurations of a that b lacks, sorted.
func onlyIn(a, b map[string]rf.Spec) []string {
	var out []string
	for k, s := range a {
		if _, ok := b[k]; !ok {
			out = append(out, s.Name())
		}
	}
	sort.Strings(out)
	return out
}

// values extracts m from the trials that measured it.
func values(rs []rf.Result, m Metric) []float64 {
	var out []float64
	for _, r := range rs {
		if m.Valid == nil || m.Valid(r) {
			out = append(out, m.Value(r))
		}
	}
	return out
}

// geomeans is the geometric mean of a model's defined ratios per metric.
func (c *Comparison) geomeans(model string) []Geomean {
	out := make([]Geomean, len(Metrics))
	for i := range Metrics {
		var sum float64
		g := &out[i]
		for _, row := range c.Rows {
			ch := row.Changes[i]
			if row.Config.Spec.Model != model || !ch.Defined() {
				continue
			}
			sum += math.Log(ch.Ratio)
			g.N++
			switch {
			case ch.Better():
				g.Better++
			case ch.Worse():
				g.Worse++
			}
		}
		g.Ratio = math.NaN()
		if g.N > 0 {
			g.Ratio = math.Exp(sum / float64(g.N))
		}
	}
	return out
}

// Regressions returns the significant changes worse than pct percent (see
// Change.WorsePct), with their rows.
func (c *Comparison) Regressions(pct float64) []Regression {
	var out []Regression
	for _, row := range c.Rows {
		for i, ch := range row.Changes {
			if ch.Worse() && ch.WorsePct() > pct {
				out = append(out, Regression{Config: row.Config.Name, Metric: Metrics[i], Change: ch})
			}
		}
	}
	return out
}

// Regression is one significant change for the worse.
type Regression struct {
	Config string
	Metric Metric
	Change Change
}

// String names the regression in one line.
func (r Regression) String() string {
	return fmt.Sprintf("%s: %s %s (%.0f%% worse)", r.Config, r.Metric.Name, fmtRatio(r.Change.Ratio), r.Change.WorsePct())
}
