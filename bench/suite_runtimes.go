package bench

import "concbench/resultfmt"

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
		return Experiment{Tag: tag, Workloads: []string{"noop"}, Models: []string{model}, Tasks: []int{n(tasks, tasks/4)}}
	}
	return []Experiment{
		// Per-task overhead: a batch of no-op tasks, sized so a trial lasts
		// about 200 ms (the Go models' come from the throughput experiment).
		noop("py-sequential", 300_000), noop("py-asyncio", 40_000), noop("py-uvloop", 50_000), noop("py-threads", 30_000),
		noop("py-processes", 2500), noop("node-eventloop", 250_000), noop("node-workers", 250_000),
		// CPU-bound speedup over each runtime's one-thread model, sha256
		// (~2 ms per task in Python) and spin (pure interpreted work).
		{Tag: tag, Workloads: []string{"cpu-hash"}, Models: cpu, Tasks: []int{n(200, 60)}, Params: Params{Units: 2000}},
		{Tag: tag, Workloads: []string{"cpu-hash"}, Models: []string{"py-sequential", "py-asyncio", "py-threads", "py-processes"},
			Tasks: []int{n(150, 50)}, Params: Params{Kernel: "spin", Units: 3}},
		{Tag: tag, Workloads: []string{"cpu-hash"}, Models: []string{"node-eventloop", "node-workers"},
			Tasks: []int{n(150, 50)}, Params: Params{Kernel: "spin", Units: 60}},
		{Tag: tag, Workloads: []string{"cpu-hash"}, Models: []string{"sequential", "eventloop", "pool", "multiproc"},
			Tasks: []int{n(150, 50)}, Params: Params{Kernel: "spin", Units: 300}},
		// The blocking mistake: 1 task in 100 blocks 100 ms.
		{Tag: tag, Workloads: []string{"blocking-mistake"}, Models: append(append([]string{}, loops...), "pool", "py-threads"),
			Tasks: []int{n(500, 300)}, Params: Params{Sleep: ms(10), Block: ms(100), BlockEvery: 100}},
		// io-net under 32 closed clients vs Little's bound (32 / delay).
		{Tag: tag, Workloads: []string{"io-net"}, Models: append(append([]string{}, loops...), "pool", "py-threads"),
			Loads: []string{"closed:32"}, Tasks: []int{n(1200, 300)}},
		// Memory per in-flight task: sleeps held in flight, as for Go.
		{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"py-asyncio", "py-uvloop", "node-eventloop"},
			Tasks: []int{n(1000, 500), n(4000, 2000), n(16000, 8000)}, Params: Params{Sleep: ms(n(800, 400))}},
		{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"py-threads"},
			Tasks: []int{100, 300, n(1000, 600)}, ConcurrencyMatchesTasks: true, Params: Params{Sleep: ms(n(800, 400))}},
		{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"py-processes"},
			Tasks: []int{2, 4, 8}, ConcurrencyMatchesTasks: true, Params: Params{Sleep: ms(n(800, 400))}},
	}
}
