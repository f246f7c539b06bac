package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

func (m missing) Error() string { return string(m) }

// builder is one chart family, registered once: its figures for REPORT.md
// (gonum/plot, SVG and PNG) with their caption, its interactive charts for
// report.html, its table and its findings, all from the same analysis
// (analysis_*.go and the chart's file).
type builder struct {
	id, title string
	build     func(d *Data) ([]*figure, string, error)
	web       func(d *Data) []*chartSpec
	table     func(d *Data) Table     // nil: the chart has no table
	findings  func(d *Data) []Finding // nil: no findings of its own
}

// builders lists the charts in report order, each with its table and
// findings: adding a chart is one line here, its analysis and spec, and a
// test (see README, "Adding a chart").
var builders = []builder{
	{"throughput", "Throughput per model and workload", throughputChart, throughputSpecs, throughputTable, topics(throughputFindings, overheadFindings)},
	{"latency", "Latency percentiles", latencyCharts, latencySpecs, latencyTable, nil},
	{"speedup", "CPU-bound speedup as workers grow", speedupChart, speedupSpecs, speedupTable, topics(speedupFindings, cpuFindings)},
	{"io-scaling", "I/O scaling: makespan vs number of tasks", ioScalingChart, ioScalingSpecs, ioScalingTable, ioFindings},
	{"cpu-time", "CPU time per 1,000 tasks", cpuTimeChart, cpuTimeSpecs, cpuTimeTable, nil},
	{"cpu-util", "CPU utilisation", cpuUtilChart, cpuUtilSpecs, nil, nil},
	{"cpu-timeline", "CPU-use timeline", cpuTimelineChart, cpuTimelineSpecs, nil, nil},
	{"memory", "Memory per in-flight task", memoryChart, memorySpecs, memoryTable, memoryFindings},
	{"open-load", "Latency vs offered load (open load)", openLoadChart, openLoadSpecs, openLoadTable, saturationFindings},
	{"blocking", "The blocking mistake", blockingChart, blockingSpecs, blockingTable, blockingFindings},
	{"runtimes", "Go, Python and Node.js on the same tasks", runtimesCharts, runtimesSpecs, taxTable, topics(runtimeFindings, TaxFindings)},
	{"server-rate", "Servers: p99 latency vs offered rate, and each model's knee", serverRateChart, serverRateSpecs, serverRateTable, serverRateFindings},
	{"server-c10k", "Servers: C10k, memory per idle connection and set-up rate", serverC10kChart, serverC10kSpecs, serverC10kTable, c10kFindings},
	{"server-blocking", "Servers: a blocking handler, and the other requests", serverBlockingChart, serverBlockingSpecs, serverBlockingTable, blockingServerFindings},
}

// topics joins findings functions into one, in order.
func topics(fs ...func(d *Data) []Finding) func(d *Data) []Finding {
	return func(d *Data) []Finding {
		var out []Finding
		for _, f := range fs {
			out = append(out, f(d)...)
		}
		return out
	}
}

// findings derives the report's findings from the data, chart by chart in
// report order; every number comes from the results.
func findings(d *Data) []Finding {
	var out []Finding
	for _, b := range builders {
		if b.findings != nil {
			out = append(out, b.findings(d)...)
		}
	}
	return out
}

// buildTables makes every chart's table that has data, in report order,
// then the table of the trials no chart shows.
func buildTables(d *Data) []Table {
	var ts []Table
	for _, b := range builders {
		if b.table != nil {
			if t := b.table(d); len(t.Rows) > 0 {
				ts = append(ts, t)
			}
		}
	}
	if t := otherTable(d); len(t.Rows) > 0 {
		ts = append(ts, t)
	}
	return ts
}

// drawCharts builds and renders every chart in memory, checking ctx
// between figures. A chart whose data is missing is returned with Missing
// set; other errors abort. A panic in a chart builder or a plotting library
// is turned into an error naming the chart (FuzzReport looks for these).
func drawCharts(ctx context.Context, d *Data) (charts []Chart, files []output, err error) {
	for _, b := range builders {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		ch, out, err := drawChart(ctx, b, d)
		if err != nil {
			return nil, nil, err
		}
		charts = append(charts, ch)
		files = append(files, out...)
	}
	return charts, files, nil
}

// errInternal marks a recovered panic: a bug, never the input's fault.
var errInternal = errors.New("internal error")

func drawChart(ctx context.Context, b builder, d *Data) (ch Chart, files []output, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("chart %s: %w: %v", b.id, errInternal, p)
		}
	}()
	ch = Chart{ID: b.id, Title: b.title}
	figs, caption, err := b.build(d)
	var m missing
	switch {
	case errors.As(err, &m):
		ch.Missing = string(m)
		return ch, nil, nil
	case err != nil:
		return ch, nil, fmt.Errorf("chart %s: %w", b.id, err)
	}
	for _, f := range figs {
		if err := ctx.Err(); err != nil {
			return ch, nil, err
		}
		out, err := f.render()
		if err != nil {
			return ch, nil, err
		}
		files = append(files, out...)
		ch.Files = append(ch.Files, f.name)
	}
	ch.Caption = caption
	return ch, files, nil
}

// webCharts builds the interactive charts, one per chart file of the
// report, in report order.
func webCharts(d *Data, charts []Chart) []*chartSpec {
	var out []*chartSpec
	for _, ch := range charts {
		i := slices.IndexFunc(builders, func(b builder) bool { return b.id == ch.ID })
		if i < 0 || ch.Missing != "" {
			continue
		}
		for _, wc := range builders[i].web(d) {
			wc.Family = ch.ID
			wc.Caption = ch.Caption
			out = append(out, wc.finish())
		}
	}
	return out
}
