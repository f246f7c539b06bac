package runtimes

import "strings"

// The runner tax calibration. For every runtime model X there is a hidden
// model "X-idiomatic": the plainest program a user of that runtime writes
// for the same batch (asyncio.gather of asyncio.sleep or no-op coroutines,
// on asyncio's or uvloop's loop; ThreadPoolExecutor.map and
// ProcessPoolExecutor.map of a function; a list comprehension;
// Promise.all of setTimeout promises or no-op async functions), with no
// per-task bookkeeping. It runs through the same runner start-up and wire
// protocol and is measured from outside like any model (makespan, CPU and
// memory of the whole process tree), so model / idiomatic is the runner's
// tax: what concbench's per-task stamps, records and digests add to the
// runtime's own cost (report/analysis_tax.go).
//
// Only batches of identical noop or io-sleep tasks have such a program. It
// stamps the batch, not the tasks: every task arrives at time zero, starts
// when the batch starts and ends when the program returns, with the value
// the program returned for it (the digest of a no-op or sleep task). Its
// latency percentiles mean nothing; its makespan, CPU and memory are the
// calibration.

// IdiomaticSuffix names a model's calibration: model + IdiomaticSuffix.
const IdiomaticSuffix = "-idiomatic"

// idiomaticPrefix marks a calibration's runner model on the wire.
const idiomaticPrefix = "idiomatic-"

// idiomaticSpec returns the calibration of s.
func idiomaticSpec(s spec) spec {
	c := s
	c.name = s.name + IdiomaticSuffix
	c.runner = idiomaticPrefix + s.runner
	c.rank = s.rank + 1
	c.doc = "calibration: the idiomatic program for " + s.name + "'s noop or io-sleep batch"
	return c
}

// source returns the program the runner interpreter runs for s.
func (s spec) source() string {
	src, idi := pythonRunner, pythonIdiomatic
	if s.node {
		src, idi = nodeRunner, nodeIdiomatic
	}
	if strings.HasPrefix(s.runner, idiomaticPrefix) {
		return idi + "\n" + src
	}
	return src
}

// Calibrations lists the calibration model of every runtime model.
func Calibrations() map[string]string {
	out := make(map[string]string, len(specs))
	for _, s := range specs {
		out[s.name] = s.name + IdiomaticSuffix
	}
	return out
}
