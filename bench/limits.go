package bench

import (
	"fmt"

	"concbench/resultfmt"
)

// limit is the allowed range of one integer setting, named as the user
// spells it (the CLI flag; suite files use the same names).
type limit struct {
	flag     string
	min, max int
	zero     string // what 0 means, when it means a default
}

// check returns an error naming the setting and its range when v is outside.
func (l limit) check(v int) error {
	if v >= l.min && v <= l.max {
		return nil
	}
	if l.zero != "" {
		return fmt.Errorf("--%s %d out of range (allowed %d..%d, 0 = %s)", l.flag, v, l.min, l.max, l.zero)
	}
	return fmt.Errorf("--%s %d out of range (allowed %d..%d)", l.flag, v, l.min, l.max)
}

// The range of every trial setting, defined once for ValidateSpec (flags)
// and Experiment.check (suite files).
var (
	limitConcurrency = limit{flag: "concurrency", max: 1_000_000, zero: "model default"}
	limitProcs       = limit{flag: "gomaxprocs", max: 4096, zero: "model default"}
	limitDepth       = limit{flag: "depth", max: 4096, zero: "default 1"}
	limitQueue       = limit{flag: "queue", max: 1 << 24, zero: "default"}
	limitThreads     = limit{flag: "threads", max: 1024, zero: "default 4"}
	limitSeries      = limit{flag: "series", max: 1_000_000}
)

// checkConfig checks every model setting of c against its limit.
func checkConfig(c resultfmt.Config) error {
	for _, x := range []struct {
		l limit
		v int
	}{{limitConcurrency, c.Concurrency}, {limitProcs, c.Procs}, {limitDepth, c.Depth}, {limitQueue, c.Queue}, {limitThreads, c.Threads}} {
		if err := x.l.check(x.v); err != nil {
			return err
		}
	}
	return nil
}
