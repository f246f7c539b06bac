package report

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"concbench/resultfmt"
)

// throughputChart is chart 1: tasks/s per model, grouped by workload, on a
// log axis (noop and io-sleep differ by decades), with min..max bars.
func throughputChart(d *Data) ([]*figure, string, error) {
	cells := d.Tag(resultfmt.TagThroughput)
	if len(cells) == 0 {
		return nil, "", missing("no batch trials tagged \"throughput\" in the results")
	}
	wls, ms := Workloads(cells), SeriesOf(cells)
	p := newPlot("Throughput per model (batch load)", "workload", "throughput (tasks/s, log scale)")
	logAxis(&p.Y)
	b := &bars{}
	lo, hi := math.Inf(1), 0.0
	for wi, w := range wls {
		for mi, m := range ms {
			off, width := groupOffset(mi, len(ms))
			b.width = width
			for _, c := range cells {
				if c.Spec.Workload != w || c.Series() != m {
					continue
				}
				s := c.Summary.Throughput
				if s.Median <= 0 {
					continue
				}
				b.items = append(b.items, bar{X: float64(wi) + off, Y: s.Median, Lo: s.Min, Hi: s.Max, Color: d.color(m)})
				lo, hi = math.Min(lo, s.Min), math.Max(hi, s.Max)
			}
		}
	}
	if len(b.items) == 0 {
		return nil, "", missing("no throughput trial completed")
	}
	p.Add(b)
	for _, m := range ms {
		p.Legend.Add(m, swatch{d.color(m)})
	}
	labels := make([]string, len(wls))
	for i, w := range wls {
		labels[i] = fmt.Sprintf("%s\n(%s tasks)", w, taskRange(cells, w))
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.5, float64(len(wls))-0.5
	p.Y.Min, p.Y.Max = lo/3, hi*8 // room for the legend above the bars
	p.Legend.Left = false
	p.Legend.XOffs = -vg.Points(4)
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
