// Package report turns a sweep's results.json into aggregated statistics,
// charts (gonum/plot, SVG and PNG; uPlot in report.html), tables
// (internal/table, for the terminal and as Markdown), findings, REPORT.md
// and report.html. Every number it prints comes from the results file; none
// is typed by hand, and no model is named in its code: the analysis asks
// for models by the traits the results file records (traits.go).
//
// Its files are layered, each using only files of its own layer or below:
// data (data.go, merge.go, traits.go, format.go, thin.go, output.go), the
// analysis (analysis_*.go: what a chart, table or finding says), chart
// specs, their gonum renderer and the drawing helpers (spec.go,
// specplot.go, style.go, plotters.go, ticks.go, figure.go, pngpalette.go),
// each chart's spec and figure (chart_*.go), tables (tables.go) and the
// registry of charts with their tables and findings, and the writers, on
// top (charts.go, markdown.go, html.go, report.go).
package report

import (
	"cmp"
	"slices"
	"sort"
	"strings"

	"concbench/resultfmt"
)

// Cell is one configuration of a sweep (one matrix cell) with its measured
// repeats and their summary (median and min..max).
type Cell struct {
	Spec resultfmt.Spec
	// Machine labels the input the cell comes from in a report across
	// machines; "" in a one-machine report.
	Machine string
	// Conc is the resolved concurrency (the model default filled in).
	Conc int
	// rank is the series' display position: the model's (File.Models,
	// else first seen), then the machine's input order.
	rank    int
	Trials  []resultfmt.Result
	Summary resultfmt.Summary
}

// Data is a results file grouped into cells; or several, one per machine,
// merged by configuration.
type Data struct {
	// File is the results file, or the merge of the inputs' files.
	File   *resultfmt.File
	Inputs []Input
	Cells  []*Cell
	// traitsBy are the models' traits by name (see traits).
	traitsBy map[string]resultfmt.ModelTraits
}

// Input is one machine's results file in a report across machines.
type Input struct {
	// Label names the machine in legends and tables.
	Label string
	File  *resultfmt.File
}

// ColdSuffix marks a workload read with O_DIRECT (resultfmt.ColdSuffix).
const ColdSuffix = resultfmt.ColdSuffix

// fileName turns a workload label into a file name part: "io-file (cold)"
// -> "io-file-cold".
func fileName(w string) string {
	return strings.NewReplacer(" (", "-", ")", "", " ", "-").Replace(w)
}

// NewData groups f's measured trials (warm-ups and failed trials left out)
// into cells in a stable order: tag, workload, model display order, load,
// tasks, concurrency.
func NewData(f *resultfmt.File) *Data { return Merge([]Input{{File: f}}) }

// Merge groups several machines' results into one Data: each input's
// cells carry its label, so every chart draws one series per model and
// machine and every table row names its machine. With one input it is
// NewData.
func Merge(inputs []Input) *Data {
	d := &Data{File: mergeFiles(inputs), Inputs: inputs}
	rank := modelRanks(d.File)
	byKey := map[string]*Cell{}
	for i, in := range inputs {
		label := in.Label
		if len(inputs) == 1 {
			label = ""
		}
		for _, r := range in.File.Trials {
			if r.Repeat < 0 || r.Error != "" {
				continue
			}
			k := label + "|" + r.Spec.Key()
			c := byKey[k]
			if c == nil {
				c = &Cell{Spec: r.Spec, Machine: label, Conc: r.Config.Concurrency, rank: rank[r.Spec.Model]*len(inputs) + i}
				if c.Spec.Direct {
					c.Spec.Workload += ColdSuffix
				}
				byKey[k] = c
				d.Cells = append(d.Cells, c)
			}
			c.Trials = append(c.Trials, r)
		}
	}
	for _, c := range d.Cells {
		sort.SliceStable(c.Trials, func(a, b int) bool { return c.Trials[a].Repeat < c.Trials[b].Repeat })
		c.Summary = resultfmt.Summarize(c.Trials)
	}
	slices.SortStableFunc(d.Cells, func(x, y *Cell) int {
		return cmp.Or(x.Spec.Compare(y.Spec, x.rank, y.rank), cmp.Compare(x.Conc, y.Conc))
	})
	return d
}

// Tag returns the cells of one experiment tag, optionally of one workload.
func (d *Data) Tag(tag string, workloads ...string) []*Cell {
	var out []*Cell
	for _, c := range d.Cells {
		if c.Spec.Tag == tag && (len(workloads) == 0 || slices.Contains(workloads, c.Spec.Workload)) {
			out = append(out, c)
		}
	}
	return out
}

// modelRanks gives each model of f its display position: the order the
// file records (File.Models, the registry's order), then models in the
// order their first trial appears. The report links no model code, so the
// order travels in the results file.
func modelRanks(f *resultfmt.File) map[string]int {
	rank := map[string]int{}
	add := func(m string) {
		if _, ok := rank[m]; !ok {
			rank[m] = len(rank)
		}
	}
	for _, m := range f.Models {
		add(m)
	}
	for _, r := range f.Trials {
		add(r.Spec.Model)
	}
	return rank
}

// Workloads lists the distinct workloads of cells in display order.
func Workloads(cells []*Cell) []string {
	var out []string
	for _, c := range cells {
		if !slices.Contains(out, c.Spec.Workload) {
			out = append(out, c.Spec.Workload)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return resultfmt.WorkloadRank(a) - resultfmt.WorkloadRank(b) })
	return out
}

// Series names the line a cell belongs to: its model, and in a report
// across machines "model @ machine".
func (c *Cell) Series() string {
	if c.Machine == "" {
		return c.Spec.Model
	}
	return c.Spec.Model + seriesSep + c.Machine
}

// seriesSep joins a model and a machine label in a series name.
const seriesSep = " @ "

// baseModel is the model of a series name.
func baseModel(series string) string {
	m, _, _ := strings.Cut(series, seriesSep)
	return m
}

// SeriesOf lists the distinct series (models, or model @ machine) of cells
// in display order.
func SeriesOf(cells []*Cell) []string {
	ranked := map[string]int{}
	var out []string
	for _, c := range cells {
		if _, ok := ranked[c.Series()]; !ok {
			ranked[c.Series()] = c.rank
			out = append(out, c.Series())
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return ranked[a] - ranked[b] })
	return out
}

// ByModel groups cells by series (see SeriesOf), keeping their order.
func ByModel(cells []*Cell) map[string][]*Cell {
	out := map[string][]*Cell{}
	for _, c := range cells {
		out[c.Series()] = append(out[c.Series()], c)
	}
	return out
}

// median returns the trial whose figure f is the median of the cell's
// repeats (the lower middle one for an even count).
func (c *Cell) median(f func(resultfmt.Result) float64) resultfmt.Result {
	ts := slices.Clone(c.Trials)
	sort.SliceStable(ts, func(a, b int) bool { return f(ts[a]) < f(ts[b]) })
	return ts[(len(ts)-1)/2]
}

// stat computes median and min..max of f over the cell's repeats.
func (c *Cell) stat(f func(resultfmt.Result) float64) resultfmt.Stat {
	xs := make([]float64, len(c.Trials))
	for i, r := range c.Trials {
		xs[i] = f(r)
	}
	return resultfmt.StatOf(xs)
}

// cores is the machine's core count from the metadata (at least 1); in a
// report across machines, the first machine's.
func (d *Data) cores() int { return max(1, d.File.Meta.Cores) }

// coresOf is the core count of the machine a cell ran on (at least 1).
func (d *Data) coresOf(c *Cell) int {
	for _, in := range d.Inputs {
		if in.Label == c.Machine {
			return max(1, in.File.Meta.Cores)
		}
	}
	return d.cores()
}
