package resultfmt

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Key identifies the configuration s measures: every field that changes
// what is measured (tag, model, workload, load, tasks, the whole Config,
// Direct and Params), not the timeout, sampling period or series length.
// Trials with equal keys are repeats of one configuration; bench, report
// and compare all group by it.
func (s Spec) Key() string {
	p, _ := json.Marshal(s.Params)
	c := s.Config
	return fmt.Sprintf("%s|%s|%s|%s|%d|%d|%d|%d|%d|%t|%d|%t|%s", s.Tag, s.Model, s.Workload, s.Load, s.Tasks,
		c.Concurrency, c.Procs, c.Queue, c.Depth, c.Respawn, c.Threads, s.Direct, p)
}

// Name is a short human name of the configuration for notes, progress and
// tables: tag/workload/model/load/n=N, then each Config field that is set
// and /direct.
func (s Spec) Name() string {
	var b strings.Builder
	if s.Tag != "" {
		b.WriteString(s.Tag + "/")
	}
	fmt.Fprintf(&b, "%s/%s/%s/n=%d", s.Workload, s.Model, s.Load, s.Tasks)
	c := s.Config
	for _, f := range []struct {
		name string
		v    int
	}{{"c", c.Concurrency}, {"procs", c.Procs}, {"queue", c.Queue}, {"depth", c.Depth}, {"threads", c.Threads}} {
		if f.v > 0 {
			fmt.Fprintf(&b, "/%s=%d", f.name, f.v)
		}
	}
	if c.Respawn {
		b.WriteString("/respawn")
	}
	if s.Direct {
		b.WriteString("/direct")
	}
	return b.String()
}

// ColdSuffix marks a workload whose data files were read with O_DIRECT
// (cold cache): reports show such configurations as their own workload,
// "io-file (cold)", beside the page-cache reads of "io-file".
const ColdSuffix = " (cold)"

// WorkloadOrder is the display order of the built-in workloads; others
// follow by name.
var WorkloadOrder = []string{"noop", "io-sleep", "io-net", "io-file", "io-file" + ColdSuffix, "cpu-hash", "mixed", "blocking-mistake"}

// WorkloadRank is w's position in WorkloadOrder (len(WorkloadOrder) for
// any other).
func WorkloadRank(w string) int {
	if i := slices.Index(WorkloadOrder, w); i >= 0 {
		return i
	}
	return len(WorkloadOrder)
}

// Compare orders s and o for display: tag, workload (WorkloadRank, then
// name), the models' display ranks rs and ro (the caller's: File.Models
// order), load (open loads by offered rate, then spelling), tasks,
// concurrency; 0 when they tie. Less is Compare < 0.
func (s Spec) Compare(o Spec, rs, ro int) int {
	return cmp.Or(
		strings.Compare(s.Tag, o.Tag),
		cmp.Compare(WorkloadRank(s.Workload), WorkloadRank(o.Workload)),
		strings.Compare(s.Workload, o.Workload),
		cmp.Compare(rs, ro),
		cmp.Compare(OpenRate(s.Load), OpenRate(o.Load)),
		strings.Compare(s.Load, o.Load),
		cmp.Compare(s.Tasks, o.Tasks),
		cmp.Compare(s.Config.Concurrency, o.Config.Concurrency),
	)
}

// Less reports whether s sorts before o (Compare), ties broken by Key.
func (s Spec) Less(o Spec, rs, ro int) bool {
	if c := s.Compare(o, rs, ro); c != 0 {
		return c < 0
	}
	return s.Key() < o.Key()
}
