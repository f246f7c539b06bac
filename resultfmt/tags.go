package resultfmt

// Experiment tags the report knows how to chart. A suite may use other tags;
// their trials still land in results.json, results.csv and the tables.
const (
	TagThroughput = "throughput" // batch trials per workload and model: charts 1, 5, 6
	TagLatency    = "latency"    // closed-load trials per workload and model: chart 2
	TagSpeedup    = "speedup"    // cpu-hash batches as workers grow: chart 3
	TagIOScaling  = "io-scaling" // io-sleep makespan vs tasks: chart 4
	TagMemory     = "memory"     // long io-sleep at many in-flight counts: chart 7
	TagOpenLoad   = "open-load"  // open:RATE at several rates: chart 8
	TagBlocking   = "blocking"   // blocking-mistake per-task series: chart 9
	TagRuntimes   = "runtimes"   // Go beside Python and Node.js: the runtimes charts
	TagTax        = "tax"        // runtime models beside their idiomatic programs: the runner-tax table
)
