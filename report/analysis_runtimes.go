package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"concbench/resultfmt"
)

// The runtimes section: Go's models beside Python's and Node.js's on the
// same tasks (the "runtimes" experiment), four figures:
// per-task overhead (noop), CPU-bound speedup (sha256 and spin), the
// blocking mistake's stall, and io-net throughput against Little's bound.
// Memory per in-flight task comes from the "memory" experiment, where the
// runtimes' trials sit beside the Go models'.

// RTBar is one model's figure in a runtimes chart, in a group (a kernel
// for speedup; "" otherwise).
type RTBar struct {
	Group, Model string
	Value        resultfmt.Stat
}

// rtCells returns the runtimes experiment's cells of workload w.
func rtCells(d *Data, w string) []*Cell { return d.Tag(resultfmt.TagRuntimes, w) }

// rtOverhead is each model's wall time per no-op task in a batch, µs: the
// cost of the model's machinery alone. The Go models' come from the
// throughput experiment when the runtimes experiment has none of theirs.
func rtOverhead(d *Data) []RTBar {
	var out []RTBar
	seen := map[string]bool{}
	for _, cells := range [][]*Cell{rtCells(d, "noop"), d.Tag(resultfmt.TagThroughput, "noop")} {
		for _, c := range cells {
			if seen[c.Series()] {
				continue
			}
			seen[c.Series()] = true
			n := float64(c.Spec.Tasks)
			out = append(out, RTBar{Model: c.Series(), Value: c.stat(func(r resultfmt.Result) float64 { return r.Makespan / n * 1e6 })})
		}
	}
	return out
}

// rtSpeedups is each model's speedup on a CPU-bound batch over its own
// runtime's one-thread model on the same kernel and units, grouped by
// kernel.
func rtSpeedups(d *Data) []RTBar {
	cells := rtCells(d, "cpu-hash")
	base := map[string]float64{} // kernel|units|family -> makespan
	key := func(c *Cell) string {
		return fmt.Sprintf("%s|%d|%s", kernelName(c), c.Spec.Params.Units, d.traits(c.Spec.Model).Family)
	}
	for _, c := range cells {
		if isBaseline(d.traits(c.Spec.Model)) {
			base[key(c)] = c.Summary.Makespan.Median
		}
	}
	var out []RTBar
	for _, c := range cells {
		b, m := base[key(c)], c.Summary.Makespan
		if b <= 0 || m.Median <= 0 {
			continue
		}
		out = append(out, RTBar{Group: kernelName(c), Model: c.Series(),
			Value: resultfmt.Stat{Median: b / m.Median, Min: b / m.Max, Max: b / m.Min}})
	}
	return out
}

// kernelName names a cell's CPU kernel.
func kernelName(c *Cell) string { return c.Spec.Params.Kernel.String() }

// rtStall is each model's p99 latency on the blocking mistake, ms, and the
// Sleep every task waits (the latency without a stall).
func rtStall(d *Data) (bars []RTBar, sleep, block time.Duration) {
	for _, c := range rtCells(d, "blocking-mistake") {
		bars = append(bars, RTBar{Model: c.Series(), Value: c.stat(func(r resultfmt.Result) float64 { return r.Latency.P99 })})
		sleep, block = c.Spec.Params.Sleep, c.Spec.Params.Block
	}
	return bars, sleep, block
}

// rtLittle is each model's io-net throughput under C closed clients as a
// fraction of Little's bound C / delay (the most a client can get when
// every request waits the server's delay), and the bound itself.
func rtLittle(d *Data) (bars []RTBar, bound float64) {
	for _, c := range rtCells(d, "io-net") {
		l, err := resultfmt.ParseLoad(c.Spec.Load)
		if err != nil || l.Shape != resultfmt.Closed || c.Spec.Params.NetDelay <= 0 {
			continue
		}
		bound = float64(l.Clients) / c.Spec.Params.NetDelay.Seconds()
		t := c.Summary.Throughput
		bars = append(bars, RTBar{Model: c.Series(), Value: resultfmt.Stat{Median: t.Median / bound, Min: t.Min / bound, Max: t.Max / bound}})
	}
	return bars, bound
}

// barOf returns the bar of model in group, if any.
func barOf(bars []RTBar, group, model string) (resultfmt.Stat, bool) {
	for _, b := range bars {
		if b.Group == group && b.Model == model {
			return b.Value, true
		}
	}
	return resultfmt.Stat{}, false
}

// kindRank orders model kinds as the findings list them: event loops,
// then threads, then pools, one thread before parallel, threads before
// processes.
func kindRank(t resultfmt.ModelTraits) int {
	r := slices.Index([]resultfmt.ModelKind{resultfmt.KindSequential, resultfmt.KindEventLoop, resultfmt.KindPerTask, resultfmt.KindPool}, t.Kind)
	r = 4 * r
	if t.Parallel {
		r++
	}
	if t.Processes {
		r += 2
	}
	return r
}

// runtimeModels lists the models of other runtimes than Go that match, by
// kind (kindRank) then display order.
func (d *Data) runtimeModels(match func(resultfmt.ModelTraits) bool) []string {
	var out []string
	for _, m := range d.modelNames() {
		if t := d.traits(m); t.Name != "" && t.Family != resultfmt.FamilyGo && match(t) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return kindRank(d.traits(a)) - kindRank(d.traits(b)) })
	return out
}

// runtimeFindings compares the runtimes' models with Go's, from the data,
// choosing the models to compare by their traits.
func runtimeFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	notBaseline := func(t resultfmt.ModelTraits) bool { return !isBaseline(t) }
	ov := rtOverhead(d)
	tax := RunnerTax(allTrials(d))
	goLoopName := d.modelWhere(goLoop)
	if el, ok := barOf(ov, "", goLoopName); ok && el.Median > 0 {
		for _, m := range d.runtimeModels(func(t resultfmt.ModelTraits) bool { return t.Kind != resultfmt.KindSequential }) {
			if v, ok := barOf(ov, "", m); ok {
				x := v.Median / el.Median
				add("runtimes", false, "A %s task costs %.0fx a Go event-loop task in overhead (%s µs vs %s µs per no-op task in a batch)%s.",
					m, x, num(v.Median), num(el.Median), taxClause(tax, m, "noop", func(r TaxRow) float64 { return r.OverheadTax }, x))
			}
		}
	}
	fits := map[string]MemFit{}
	for _, f := range memFits(d) {
		fits[f.Model] = f
	}
	if el := fits[goLoopName]; el.PerTask > 0 {
		for _, m := range d.runtimeModels(func(t resultfmt.ModelTraits) bool { return t.Kind != resultfmt.KindSequential && !t.Processes }) {
			if f, ok := fits[m]; ok && f.PerTask > 0 {
				x := f.PerTask / el.PerTask
				add("runtimes", false, "A %s task in flight holds %s of memory, %.1fx a Go event-loop task's %s (regression over %d trials)%s.",
					m, fmtBytes(f.PerTask), x, fmtBytes(el.PerTask), f.Points, taxClause(tax, m, "io-sleep", func(r TaxRow) float64 { return r.MemTax }, x))
			}
		}
	}
	sp := rtSpeedups(d)
	groups, _ := rtGroups(d, sp)
	for _, kernel := range groups {
		for _, m := range d.runtimeModels(notBaseline) {
			v, ok := barOf(sp, kernel, m)
			if !ok {
				continue
			}
			t := d.traits(m)
			switch {
			case t.Parallel && d.cores() > 1 && v.Median < 1.3:
				add("runtimes", true, "%s reached only %.2fx %s on the %s batch; worker processes or threads should run CPU work in parallel on %d cores (check the machine warnings).", m, v.Median, t.Baseline, kernel, d.cores())
			case t.Parallel:
				add("runtimes", false, "%s runs CPU steps in parallel: %.2fx %s on the %s batch (%d cores).", m, v.Median, t.Baseline, kernel, d.cores())
			case v.Median > 1.25:
				add("runtimes", true, "%s ran the %s batch %.2fx faster than %s; one thread (or one GIL) should give no CPU parallelism.", m, kernel, v.Median, t.Baseline)
			case t.Kind == resultfmt.KindPool && t.Family == familyPython:
				add("runtimes", false, "%s gets no CPU parallelism on %s: %.2fx %s (%s).", m, kernel, v.Median, t.Baseline, gilHolder(kernel))
			default:
				add("runtimes", false, "%s gives no CPU parallelism: %.2fx %s on the %s batch, every CPU step runs on its one thread.", m, v.Median, t.Baseline, kernel)
			}
		}
	}
	if st, sleep, block := rtStall(d); len(st) > 0 {
		threads := d.runtimeModels(func(t resultfmt.ModelTraits) bool { return t.Kind == resultfmt.KindPool && !t.Processes && !t.Parallel })
		var th resultfmt.Stat
		okT := false
		if len(threads) > 0 {
			th, okT = barOf(st, "", threads[0])
		}
		for _, m := range d.runtimeModels(func(t resultfmt.ModelTraits) bool { return t.Kind == resultfmt.KindEventLoop && !t.Parallel }) {
			if v, ok := barOf(st, "", m); ok && okT && th.Median > 0 {
				add("runtimes", v.Median < 2*th.Median,
					"The blocking mistake on %s: p99 %s ms against %s' %s ms (%.1fx); tasks wait %v and one in %d blocks %v.",
					m, num(v.Median), threads[0], num(th.Median), v.Median/th.Median, sleep, rtCells(d, "blocking-mistake")[0].Spec.Params.BlockEvery, block)
			}
		}
	}
	if lt, bound := rtLittle(d); len(lt) > 0 {
		var parts []string
		for _, b := range lt {
			parts = append(parts, fmt.Sprintf("%s %.0f%%", b.Model, 100*b.Value.Median))
		}
		add("runtimes", false, "io-net under closed clients, as a share of Little's bound (%s req/s): %s.", fmtNum(bound), strings.Join(parts, ", "))
	}
	return out
}

// familyPython is the runtime family whose threads share one GIL.
const familyPython = "Python"

// gilHolder says why a kernel holds the GIL.
func gilHolder(kernel string) string {
	if kernel == "spin" {
		return "interpreted integer work holds the GIL"
	}
	return "hashlib holds the GIL on 1 KiB inputs, below its 2 KiB release threshold"
}

// rtGroups lists the groups (kernels, or one unnamed group) of vals in
// first-seen order and their models in display order: the layout the PNG
// and the interactive runtimes charts share.
func rtGroups(d *Data, vals []RTBar) (groups, models []string) {
	seenGroup, seenModel := map[string]bool{}, map[string]bool{}
	for _, v := range vals {
		if !seenGroup[v.Group] {
			seenGroup[v.Group] = true
			groups = append(groups, v.Group)
		}
		if !seenModel[v.Model] {
			seenModel[v.Model] = true
			models = append(models, v.Model)
		}
	}
	return groups, modelOrder(d, models)
}

// modelOrder sorts models by the results' display order.
func modelOrder(d *Data, ms []string) []string {
	order := SeriesOf(append(d.Tag(resultfmt.TagRuntimes), d.Tag(resultfmt.TagThroughput, "noop")...))
	var out []string
	for _, m := range order {
		for _, x := range ms {
			if x == m {
				out = append(out, m)
			}
		}
	}
	return out
}
