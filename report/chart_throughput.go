package report

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"

	"concbench/resultfmt"
)

// throughputChart is chart 1: tasks/s per model, grouped by workload, on a
// log axis (noop and io-sleep differ by decades), with min..max bars.
func throughputChart(d *Data) ([]*figure, string, error) {
	cells := d.Tag(resultfmt.TagThroughput)
	if len(cells) == 0 {
		return nil, "", missing("no batch trials tagged \"throughput\" in the results")
	}
	specs := throughputSpecs(d)
	if specs == nil {
		return nil, "", missing("no throughput trial completed")
	}
	p, err := barPlot(d, specs[0])
	if err != nil {
		return nil, "", err
	}
	wls := Workloads(cells)
	fig := single("throughput", p)
	caption := fmt.Sprintf("Tasks completed per second under batch load (all tasks arrive at t=0), median of %s with min..max bars; log scale. Workloads: %s. "+
		"Task counts differ by model where a model is orders of magnitude slower, so every trial lasts at least 200 ms. "+
		"io-file reads data files written just before the trial, so its reads hit the page cache; io-file (cold) reads the same files with O_DIRECT, every read from the device.",
		repeatsText(cells), strings.Join(wls, ", "))
	return []*figure{fig}, caption, nil
}

// taskRange is workload w's task count over cells: "400", or "10–400"
// when models ran different counts.
func taskRange(cells []*Cell, w string) string {
	lo, hi := math.MaxInt, 0
	for _, c := range cells {
		if c.Spec.Workload == w {
			lo, hi = min(lo, c.Spec.Tasks), max(hi, c.Spec.Tasks)
		}
	}
	if lo == hi {
		return fmtNum(float64(lo))
	}
	return fmtNum(float64(lo)) + "–" + fmtNum(float64(hi))
}

// repeatsText says how many repeats the cells had ("3 repeats", "1-3 repeats").
func repeatsText(cells []*Cell) string {
	lo, hi := math.MaxInt, 0
	for _, c := range cells {
		lo, hi = min(lo, len(c.Trials)), max(hi, len(c.Trials))
	}
	if lo == hi {
		if lo == 1 {
			return "1 repeat"
		}
		return fmt.Sprintf("%d repeats", lo)
	}
	return fmt.Sprintf("%d-%d repeats", lo, hi)
}

var _ plot.Plotter = (*bars)(nil)

// categoryChart is a chart of one figure per model and workload of cells
// (category x, models side by side); value returns a cell's point value.
func (d *Data) categoryChart(id, title, ylabel string, cells []*Cell, value func(c *Cell, x float64) (specPoint, bool)) *chartSpec {
	wls, ms := Workloads(cells), SeriesOf(cells)
	wc := &chartSpec{ID: id, Title: title, X: specAxis{Label: "workload"}, Y: specAxis{Label: ylabel}}
	for _, w := range wls {
		wc.Cats = append(wc.Cats, fmt.Sprintf("%s (%s tasks)", w, taskRange(cells, w)))
	}
	for mi, m := range ms {
		off, _ := groupOffset(mi, len(ms))
		var pts []specPoint
		for wi, w := range wls {
			for _, c := range ByModel(cells)[m] {
				if c.Spec.Workload != w {
					continue
				}
				if p, ok := value(c, float64(wi)+off); ok {
					pts = append(pts, p)
				}
			}
		}
		wc.Series = append(wc.Series, d.modelSeries(m, "", "points", pts))
	}
	return wc
}

// throughputSpecs describe the throughput chart: tasks/s per model side by
// side per workload (median, min..max), on a log axis (noop and io-sleep
// differ by decades) with room above for the legend; nil when no trial
// completed.
func throughputSpecs(d *Data) []*chartSpec {
	cells := d.Tag(resultfmt.TagThroughput)
	lo, hi := math.Inf(1), 0.0
	wc := d.categoryChart("throughput", "Throughput per model (batch load)", "throughput (tasks/s)", cells,
		func(c *Cell, x float64) (specPoint, bool) {
			s := c.Summary.Throughput
			if s.Median > 0 {
				lo, hi = math.Min(lo, s.Min), math.Max(hi, s.Max)
			}
			return statPoint(x, s, len(c.Trials), ""), s.Median > 0
		})
	if hi == 0 {
		return nil
	}
	wc.Y.Log = true
	wc.Y.Range = []float64{lo / 3, hi * 8}
	return []*chartSpec{wc}
}
