package report

import (
	"errors"
	"fmt"
)

// Chart is one chart of the report: its image files (each written as SVG
// and PNG), a caption written from the data, or why it was left out.
type Chart struct {
	ID    string
	Title string
	// Files are the file stems (name without extension) in the report
	// directory; a chart may have several (one per workload).
	Files   []string
	Caption string
	// Missing says why the chart was not drawn (its data is absent).
	Missing string
}

// missing is returned by a chart builder whose data is absent.
type missing string

func (m missing) Error() string { return string(m) }

// builder draws one chart family from the data.
type builder struct {
	id, title string
	build     func(d *Data) ([]*figure, string, error)
}

// builders lists the charts in report order.
var builders = []builder{
	{"throughput", "Throughput per model and workload", throughputChart},
	{"latency", "Latency percentiles", latencyCharts},
	{"speedup", "CPU-bound speedup as workers grow", speedupChart},
	{"io-scaling", "I/O scaling: makespan vs number of tasks", ioScalingChart},
	{"cpu-time", "CPU time per 1,000 tasks", cpuTimeChart},
	{"cpu-util", "CPU utilisation", cpuUtilChart},
	{"cpu-timeline", "CPU-use timeline", cpuTimelineChart},
	{"memory", "Memory per in-flight task", memoryChart},
	{"open-load", "Latency vs offered load (open load)", openLoadChart},
	{"blocking", "The blocking mistake", blockingChart},
}

// ChartIDs lists every chart the report can draw, in order.
func ChartIDs() []string {
	ids := make([]string, len(builders))
	for i, b := range builders {
		ids[i] = b.id
	}
	return ids
}

// drawCharts builds and saves every chart into dir. A chart whose data is
// missing is returned with Missing set; other errors abort.
func drawCharts(d *Data, dir string) ([]Chart, error) {
	var out []Chart
	for _, b := range builders {
		ch := Chart{ID: b.id, Title: b.title}
		figs, caption, err := b.build(d)
		var m missing
		switch {
		case errors.As(err, &m):
			ch.Missing = string(m)
			out = append(out, ch)
			continue
		case err != nil:
			return nil, fmt.Errorf("chart %s: %w", b.id, err)
		}
		for _, f := range figs {
			if err := f.save(dir); err != nil {
				return nil, err
			}
			ch.Files = append(ch.Files, f.name)
		}
		ch.Caption = caption
		out = append(out, ch)
	}
	return out, nil
}
