package bench

import (
	"slices"

	"concbench/resultfmt"
)

// runtimeExperiments put the Python and Node.js models beside the Go ones
// on the same tasks (the runtimes section of the report), sized for the
// slow runtimes rather than skipping them: interpreted CPU work is ~100x
// slower than Go's, so each kernel gets units per runtime that make a task
// last about a millisecond there. Memory per in-flight task joins the
// "memory" experiment (the same regression as for the Go models).
// Unavailable runtimes are skipped with a note.
func runtimeExperiments(quick bool) []Experiment {
	n := func(full, q int) int {
		if quick {
			return q
		}
		return full
	}
	loops := []string{"eventloop", "goroutines", "py-asyncio", "py-uvloop", "node-eventloop"}
	oneThread := []string{"sequential", "eventloop", "py-sequential", "py-asyncio", "node-eventloop"}
	parallel := []string{"pool", "multiproc", "py-threads", "py-processes", "node-workers"}
	cpu := append(append([]string{}, oneThread...), parallel...)
	tag := resultfmt.TagRuntimes
	noop := func(model string, tasks int) Experiment {
		return Experiment{Tag: tag, Workloads: []string{"noop"}, Models: []string{model}, Tasks: []int{n(tasks, tasks/8)}}
	}
	// The runner tax (report/analysis_tax.go): each runtime model's
	// calibration, the idiomatic program for the same batch, beside the
	// model's own cell below (the sweep interleaves them).
	tax := func(workload string, model string, tasks int, p Params, concMatches bool) Experiment {
		return Experiment{Tag: resultfmt.TagTax, Workloads: []string{workload}, Models: []string{model + "-idiomatic"},
			Tasks: []int{tasks}, Params: p, ConcurrencyMatchesTasks: concMatches}
	}
	noopSizes := []struct {
		model string
		tasks int
	}{{"py-sequential", 300_000}, {"py-asyncio", 40_000}, {"py-uvloop", 50_000}, {"py-threads", 30_000},
		{"py-processes", 2500}, {"node-eventloop", 250_000}, {"node-workers", 250_000}}
	var out []Experiment
	for _, s := range noopSizes {
		// Per-task overhead: a batch of no-op tasks, sized so a trial
		// lasts about 200 ms (the Go models' come from the throughput
		// experiment), and its calibration.
		out = append(out, noop(s.model, s.tasks), tax("noop", s.model, n(s.tasks, s.tasks/8), Params{}, false))
	}
	memSleep := Params{Sleep: ms(n(400, 250))}
	shortSleep := Params{Sleep: ms(n(100, 50))}
	out = append(out,
		// Memory per in-flight task beside the idiomatic program's, at the
		// memory experiment's largest batches below.
		tax("io-sleep", "py-asyncio", n(16000, 4000), memSleep, false), tax("io-sleep", "py-uvloop", n(16000, 4000), memSleep, false),
		tax("io-sleep", "node-eventloop", n(16000, 4000), memSleep, false), tax("io-sleep", "py-threads", n(1000, 300), memSleep, true),
		tax("io-sleep", "py-processes", 8, memSleep, true),
		// Many short sleeps: the tasks' start-up dominates (issue 18's
		// batch of 100,000 x 100 ms, smaller for the slow runtimes; 50 ms sleeps in the quick suite).
		Experiment{Tag: resultfmt.TagTax, Workloads: []string{"io-sleep"}, Models: []string{"node-eventloop", "node-eventloop-idiomatic"},
			Tasks: []int{n(100_000, 10_000)}, Params: shortSleep},
		Experiment{Tag: resultfmt.TagTax, Workloads: []string{"io-sleep"}, Models: []string{"py-asyncio", "py-asyncio-idiomatic", "py-uvloop", "py-uvloop-idiomatic"},
			Tasks: []int{n(20_000, 2500)}, Params: shortSleep},
		Experiment{Tag: resultfmt.TagTax, Workloads: []string{"io-sleep"}, Models: []string{"py-threads", "py-threads-idiomatic"},
			Tasks: []int{n(320, 80)}, Params: shortSleep},
		// The harness alone (the null model) beside the Go models' no-op
		// batches of the throughput experiment.
		Experiment{Tag: resultfmt.TagTax, Workloads: []string{"noop"}, Models: []string{"null"}, Tasks: []int{n(2_000_000, 5000)}},
	)
	all := append(out, []Experiment{
		// CPU-bound speedup over each runtime's one-thread model, sha256
		// (~2 ms per task in Python) and spin (pure interpreted work).
		{Tag: tag, Workloads: []string{"cpu-hash"}, Models: cpu, Tasks: []int{n(200, 40)}, Params: Params{Units: 2000}},
		{Tag: tag, Workloads: []string{"cpu-hash"}, Models: []string{"py-sequential", "py-asyncio", "py-threads", "py-processes"},
			Tasks: []int{n(150, 30)}, Params: Params{Kernel: "spin", Units: 3}},
		{Tag: tag, Workloads: []string{"cpu-hash"}, Models: []string{"node-eventloop", "node-workers"},
			Tasks: []int{n(150, 30)}, Params: Params{Kernel: "spin", Units: 60}},
		{Tag: tag, Workloads: []string{"cpu-hash"}, Models: []string{"sequential", "eventloop", "pool", "multiproc"},
			Tasks: []int{n(150, 30)}, Params: Params{Kernel: "spin", Units: 300}},
		// The blocking mistake: 1 task in 100 blocks 100 ms.
		{Tag: tag, Workloads: []string{"blocking-mistake"}, Models: append(append([]string{}, loops...), "pool", "py-threads"),
			Tasks: []int{n(500, 200)}, Params: Params{Sleep: ms(10), Block: ms(100), BlockEvery: 100}},
		// io-net under 32 closed clients vs Little's bound (32 / delay).
		{Tag: tag, Workloads: []string{"io-net"}, Models: append(append([]string{}, loops...), "pool", "py-threads"),
			Loads: []string{"closed:32"}, Tasks: []int{n(1200, 200)}},
		// Memory per in-flight task: sleeps held in flight, as for Go.
		{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"py-asyncio", "py-uvloop", "node-eventloop"},
			Tasks: []int{n(1000, 500), n(4000, 2000), n(16000, 8000)}, Params: memSleep},
		{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"py-threads"},
			Tasks: []int{100, 300, n(1000, 600)}, ConcurrencyMatchesTasks: true, Params: memSleep},
		{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"py-processes"},
			Tasks: []int{2, 4, 8}, ConcurrencyMatchesTasks: true, Params: memSleep},
	}...)
	if quick {
		// The quick suite leaves out the runtimes' memory regression, and
		// with it its calibrations, and the spin kernel's speedup group
		// (sha256's feeds the chart): each Python or Node trial costs
		// about 0.2 s of interpreter start-up outside its window.
		all = slices.DeleteFunc(all, func(e Experiment) bool {
			return e.Params.Kernel == "spin" || (e.Tag == resultfmt.TagTax && e.Params.Sleep == memSleep.Sleep)
		})
	}
	return all
}
