package bench

import "concbench/resultfmt"

// withServers adds the server section to a built-in suite (the one hook in
// suite_builtin.go) and returns it. Every model that can serve joins (the
// Python and Node.js servers too, where their runtime is here). Its budget
// on two cores was 4 minutes for the default suite's section (15 s for
// quick's, 5 repeats of three cells); measured with the thirteen models it takes about 5 to 5.5
// (README, "Servers in the suite and the report"), so the windows are
// short (0.15 s of io-sleep requests: 8 at the lowest rate, fewer make the
// achieved rate noise; 0.1 s of cpu-hash), the rates few and placed around
// the knees, and past a model's first rate it cannot keep up with its
// higher rates are not run.
//
//   - server-rate: p99 from intended send against offered rate, open loop,
//     for an I/O-bound handler (a 10 ms sleep) and a CPU-bound one (a
//     SHA-256 hash of ~0.5 ms); a model's knee is its highest rate whose
//     p99 stays under P99Bound while it achieves >= KeepUp of the offer.
//   - server-c10k: idle:N keep-alive connections (each opened with one
//     noop request, then held) for the models built to hold many: memory
//     per connection and set-up rate. N = 30000 needs RLIMIT_NOFILE over
//     30000 in the server and the generator: raised by the harness when it
//     may (CAP_SYS_RESOURCE), else the cell is skipped with a note.
//   - server-blocking: one request in 100 blocks its handler for 100 ms:
//     p99 of the other requests per model.
func withServers(s *Suite, quick bool) *Suite {
	ioHandler := Params{Sleep: ms(10)}
	cpuHandler := Params{Units: 1000}
	blocking := Params{Sleep: ms(5), Block: ms(100), BlockEvery: 100}
	c10k := []string{"eventloop", "goroutines", "threads", "py-asyncio", "node-eventloop"}
	if quick {
		// 5 repeats like every quick cell (issue 19: compare needs 5+5);
		// one handler and two models per chart keep it to ~15 s.
		s.Servers = []ServerExperiment{
			{Tag: resultfmt.TagServerRate, Workloads: []string{"io-sleep"}, Models: ioModels, Loads: []string{"open:400"}, Seconds: 0.1, Params: ioHandler, P99Bound: 50},
			{Tag: resultfmt.TagServerC10k, Workloads: []string{"noop"}, Models: ioModels, Loads: []string{"idle:1000"}, Tasks: 100},
			{Tag: resultfmt.TagServerBlocking, Workloads: []string{"blocking-mistake"}, Models: ioModels, Loads: []string{"open:400"}, Seconds: 0.3, Params: blocking},
		}
		return s
	}
	s.Servers = []ServerExperiment{
		{Tag: resultfmt.TagServerRate, Workloads: []string{"io-sleep"}, Loads: []string{"open:50", "open:400", "open:3000"}, Seconds: 0.15, Params: ioHandler, P99Bound: 50},
		{Tag: resultfmt.TagServerRate, Workloads: []string{"cpu-hash"}, Loads: []string{"open:200", "open:800", "open:2400"}, Seconds: 0.1, Params: cpuHandler, P99Bound: 20},
		{Tag: resultfmt.TagServerC10k, Workloads: []string{"noop"}, Models: c10k, Loads: []string{"idle:1000", "idle:10000", "idle:30000"}, Tasks: 100},
		{Tag: resultfmt.TagServerBlocking, Workloads: []string{"blocking-mistake"}, Loads: []string{"open:400"}, Seconds: 0.4, Params: blocking},
	}
	return s
}
