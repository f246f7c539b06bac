package bench

import (
	"slices"
	"time"

	"concbench/resultfmt"
)

// builtinSuites returns fresh copies of the built-in suites.
func builtinSuites() map[string]*Suite {
	return map[string]*Suite{"quick": quickSuite(), "default": defaultSuite()}
}

// ms is a Duration of n milliseconds.
func ms(n int) Duration { return Duration(time.Duration(n) * time.Millisecond) }

// Model groups used by the built-in suites.
var (
	parallelModels = []string{"goroutines", "threads", "pool", "multiproc"}
	ioModels       = []string{"eventloop", "goroutines"}
	// waitersModels are ioModels and threads, the models that hold one
	// waiting task per goroutine, loop slot or OS thread: the client
	// experiments' I/O group (the server section keeps ioModels).
	waitersModels = []string{"eventloop", "goroutines", "threads"}
	// memModels hold up to 100,000 sleeps in flight; threads, bounded by
	// the machine's thread budget, gets its own smaller batches.
	memModels = []string{"eventloop", "goroutines"}
)

// quickSuite feeds every chart with small task counts and 5 repeats (so
// `compare` can call a change significant between two quick runs), in
// about two minutes on two cores: the Python and Node.js models join the
// runtimes charts but not the memory regression, whose held-in-flight
// sleeps cost more than the rest of their experiments, nor the spin
// kernel's speedup group. Most of its wall time is outside the windows:
// each Python or Node.js trial starts an interpreter (about 0.15 s on a
// quiet machine), so the quick suite's duty cycle stays near 50%.
func quickSuite() *Suite {
	return withServers(&Suite{
		Name: "quick", Repeats: 5, CITarget: ciTarget, Seed: 1,
		Doc: "every chart, small sizes, 5 repeats: under 2 minutes on 2 cores (make report-quick 1 min 44 s measured on a quiet machine)",
		Experiments: append([]Experiment{
			{Tag: resultfmt.TagThroughput, Workloads: []string{"noop"}, Tasks: []int{5000}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-sleep", "io-net"}, Tasks: []int{50}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"mixed"}, Tasks: []int{30}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"cpu-hash"}, Tasks: []int{60}, Params: Params{Units: 1000}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-file"}, Tasks: []int{1000}},
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"sequential"}, Tasks: []int{60}, Params: Params{Units: 1000}},
			// The event loop has one loop thread whatever GOMAXPROCS is: its
			// x axis is GOMAXPROCS, to show more threads do not help it.
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{60}, Procs: 1, Params: Params{Units: 1000}},
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{60}, Procs: 2, Params: Params{Units: 1000}},
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{60}, Procs: 4, Params: Params{Units: 1000}},
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: parallelModels, Tasks: []int{60}, Concurrency: []int{1, 2, 4}, Params: Params{Units: 1000}},
			{Tag: resultfmt.TagIOScaling, Workloads: []string{"io-sleep"}, Models: memModels, Tasks: []int{10, 100, 1000, 10000}},
			{Tag: resultfmt.TagIOScaling, Workloads: []string{"io-sleep"}, Models: []string{"threads"}, Tasks: []int{10, 100, 1000}},
			{Tag: resultfmt.TagIOScaling, Workloads: []string{"io-sleep"}, Models: []string{"sequential", "pool", "multiproc"}, Tasks: []int{10, 30}},
			{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: memModels, Tasks: []int{1000, 10000}, Params: Params{Sleep: ms(100)}},
			{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"threads"}, Tasks: []int{300, 1000}, Params: Params{Sleep: ms(100)}},
			{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"pool"}, Tasks: []int{1000, 10000}, ConcurrencyMatchesTasks: true, Params: Params{Sleep: ms(100)}},
			{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"multiproc"}, Tasks: []int{2, 4, 8}, ConcurrencyMatchesTasks: true, Params: Params{Sleep: ms(100)}},
			// The open-load curves of one serial, one event-loop and two
			// parallel models (the default suite draws every model's).
			{Tag: resultfmt.TagOpenLoad, Workloads: []string{"cpu-hash"}, Models: []string{"sequential", "eventloop", "goroutines", "pool"},
				Loads: []string{"open:500", "open:1200", "open:3000"}, OpenSeconds: 0.06, Params: Params{Units: 1000}},
			{Tag: resultfmt.TagBlocking, Workloads: []string{"blocking-mistake"}, Models: waitersModels, Loads: []string{"open:500"}, OpenSeconds: 0.3, Series: 2000,
				Params: Params{Sleep: ms(10), Block: ms(100), BlockEvery: 100}},
		}, withoutTag(runtimeExperiments(true), resultfmt.TagMemory)...),
	}, true)
}

// withoutTag returns the experiments whose tag is not tag.
func withoutTag(es []Experiment, tag string) []Experiment {
	return slices.DeleteFunc(es, func(e Experiment) bool { return e.Tag == tag })
}

// Model groups of the default suite whose per-task cost differs by orders
// of magnitude: each group gets a task count that makes its trials last at
// least 200 ms on two cores (the CPU figure of a shorter window is mostly
// clock resolution), without making the slow models run for minutes.
var (
	fastModels = []string{"sequential", "eventloop", "pool"}
	waitModels = []string{"eventloop", "goroutines", "threads", "pool"}
	slowModels = []string{"sequential", "multiproc"}
	readModels = []string{"sequential", "goroutines", "threads", "pool"}
	// parallelFast are the models a batch of 400 mixed tasks keeps busy
	// for well under a second.
	parallelFast = []string{"eventloop", "goroutines", "threads", "pool"}
)

// ciTarget is the built-in suites' target for the 95% CI of a cell's
// median throughput: ±5%, what 5 repeats reach on a 2-core VM for most
// cells (±3% was met by under half of them with up to 6).
const ciTarget = 0.05

// defaultSuite is the published matrix behind `make report` (its client
// part; the server-role section is added apart). Its budget on two cores:
// about 10 minutes of fixed trials (5 repeats, one warm-up per model and
// workload, 70% or more of the wall time inside windows) plus at most 40 s
// of adaptive repeats (up to 8 in all) for the cells whose 95% CI of the
// median throughput is wider than ±5%. Most trials last at least 200 ms;
// some of the fastest Go and Node.js cells run 100 to 200 ms.
func defaultSuite() *Suite {
	rates := []string{"open:250", "open:500", "open:1000", "open:2000", "open:3000", "open:4000"}
	sleep200, sleep500 := Params{Sleep: ms(200)}, Params{Sleep: ms(500)}
	return withServers(&Suite{
		Name: "default", Repeats: 5, MaxRepeats: 8, CITarget: ciTarget, ExtraBudget: Duration(40 * time.Second), Seed: 1,
		Doc: "the published matrix, 5 repeats, up to 40 s of adaptive repeats: make report 13 min 30 s on a quiet 2-core machine (client section about 10.25 min, server section about 3.25 min, duty 75%)",
		Experiments: append([]Experiment{
			{Tag: resultfmt.TagThroughput, Workloads: []string{"noop"}, Models: fastModels, Tasks: []int{2_000_000}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"noop"}, Models: []string{"goroutines", "threads"}, Tasks: []int{1_000_000}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"noop"}, Models: []string{"multiproc"}, Tasks: []int{30_000}},
			// A batch of 200 ms sleeps lasts at least 200 ms on any model;
			// the serial models get fewer tasks (throughput is c / wait).
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-sleep"}, Models: waitersModels, Tasks: []int{400}, Params: sleep200},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-sleep"}, Models: []string{"pool"}, Tasks: []int{96}, Params: sleep200},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-sleep"}, Models: []string{"sequential"}, Tasks: []int{2}, Params: sleep200},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-sleep"}, Models: []string{"multiproc"}, Tasks: []int{4}, Params: sleep200},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-net"}, Models: waitModels, Tasks: []int{1200}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-net"}, Models: slowModels, Tasks: []int{150}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"mixed"}, Models: parallelFast, Tasks: []int{400}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"mixed"}, Models: slowModels, Tasks: []int{100}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"cpu-hash"}, Tasks: []int{600}},
			// io-file reads the data files just written: from the page cache.
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-file"}, Models: readModels, Tasks: []int{150_000}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-file"}, Models: []string{"eventloop"}, Tasks: []int{45_000}},
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-file"}, Models: []string{"multiproc"}, Tasks: []int{20_000}},
			// The cold-cache variant: O_DIRECT, every read from the device.
			{Tag: resultfmt.TagThroughput, Workloads: []string{"io-file"}, Tasks: []int{8_000}, Direct: true},
			{Tag: resultfmt.TagLatency, Workloads: []string{"io-sleep"}, Models: waitModels, Loads: []string{"closed:32"}, Tasks: []int{800}},
			{Tag: resultfmt.TagLatency, Workloads: []string{"io-net"}, Models: waitModels, Loads: []string{"closed:32"}, Tasks: []int{1200}},
			{Tag: resultfmt.TagLatency, Workloads: []string{"io-sleep", "io-net"}, Models: slowModels, Loads: []string{"closed:32"}, Tasks: []int{100}},
			{Tag: resultfmt.TagLatency, Workloads: []string{"mixed"}, Models: parallelFast, Loads: []string{"closed:32"}, Tasks: []int{400}},
			{Tag: resultfmt.TagLatency, Workloads: []string{"mixed"}, Models: slowModels, Loads: []string{"closed:32"}, Tasks: []int{100}},
			{Tag: resultfmt.TagLatency, Workloads: []string{"cpu-hash"}, Loads: []string{"closed:32"}, Tasks: []int{600}},
			{Tag: resultfmt.TagLatency, Workloads: []string{"io-file"}, Models: readModels, Loads: []string{"closed:32"}, Tasks: []int{100_000}},
			{Tag: resultfmt.TagLatency, Workloads: []string{"io-file"}, Models: []string{"eventloop", "multiproc"}, Loads: []string{"closed:32"}, Tasks: []int{15_000}},
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"sequential"}, Tasks: []int{300}},
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{300}, Procs: 1},
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{300}, Procs: 2},
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: []string{"eventloop"}, Tasks: []int{300}, Procs: 4},
			{Tag: resultfmt.TagSpeedup, Workloads: []string{"cpu-hash"}, Models: parallelModels, Tasks: []int{300}, Concurrency: []int{1, 2, 4}},
			// 200 ms sleeps: every trial lasts at least one wait; the models of
			// fixed concurrency c take ceil(N/c) waits, so their N stay small.
			{Tag: resultfmt.TagIOScaling, Workloads: []string{"io-sleep"}, Models: waitersModels, Tasks: []int{10, 100, 1000, 10000}, Params: sleep200},
			{Tag: resultfmt.TagIOScaling, Workloads: []string{"io-sleep"}, Models: []string{"pool"}, Tasks: []int{10, 30, 100}, Params: sleep200},
			{Tag: resultfmt.TagIOScaling, Workloads: []string{"io-sleep"}, Models: []string{"multiproc"}, Tasks: []int{2, 4, 10}, Params: sleep200},
			{Tag: resultfmt.TagIOScaling, Workloads: []string{"io-sleep"}, Models: []string{"sequential"}, Tasks: []int{1, 3}, Params: sleep200},
			{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: memModels, Tasks: []int{1000, 10000, 100000}, Params: sleep500},
			{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"threads"}, Tasks: []int{1000, 3000, 10000}, Params: sleep500},
			{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"pool"}, Tasks: []int{1000, 10000, 50000}, ConcurrencyMatchesTasks: true, Params: sleep500},
			{Tag: resultfmt.TagMemory, Workloads: []string{"io-sleep"}, Models: []string{"multiproc"}, Tasks: []int{2, 4, 8, 16}, ConcurrencyMatchesTasks: true, Params: sleep500},
			{Tag: resultfmt.TagOpenLoad, Workloads: []string{"cpu-hash"}, Loads: rates, OpenSeconds: 0.25, Params: Params{Units: 1000}},
			{Tag: resultfmt.TagBlocking, Workloads: []string{"blocking-mistake"}, Models: waitersModels, Loads: []string{"open:1000"}, OpenSeconds: 1, Series: 1000,
				Params: Params{Sleep: ms(10), Block: ms(100), BlockEvery: 500}},
		}, runtimeExperiments(false)...),
	}, false)
}
