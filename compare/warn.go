package compare

import (
	"fmt"
	"slices"

	rf "concbench/resultfmt"
)

// warnings names what makes the two runs hard to compare: other suites,
// machines, Go versions or kernels, incomplete runs, environment warnings
// recorded at run time, too few repeats, and configurations on one side
// only.
func warnings(c *Comparison) []string {
	o, n := c.Old.File, c.New.File
	var w []string
	differ := func(what, a, b string) {
		if a != b {
			w = append(w, fmt.Sprintf("%s differ: old %s, new %s", what, orUnknown(a), orUnknown(b)))
		}
	}
	differ("suites", quote(o.Suite), quote(n.Suite))
	differ("machines", machine(o.Meta), machine(n.Meta))
	differ("Go versions", o.Meta.GoVersion, n.Meta.GoVersion)
	differ("kernels", o.Meta.Kernel, n.Meta.Kernel)
	for _, s := range []Side{c.Old, c.New} {
		if !s.File.Complete {
			w = append(w, fmt.Sprintf("%s is incomplete (interrupted or a trial failed): some configurations are missing", s.Label))
		}
		for _, mw := range s.File.Meta.Warnings {
			w = append(w, fmt.Sprintf("%s was measured with a warning: %s", s.Label, mw))
		}
	}
	if len(c.Rows) == 0 {
		w = append(w, "no configuration was measured in both runs: nothing to compare")
	} else if few := tooFew(c); few > 0 {
		w = append(w, fmt.Sprintf("%d of %d configurations have fewer than %d repeats on a side: no change can be significant there (\"~\"); sweep with --repeat 5 or more to tell",
			few, len(c.Rows), minRepeats()))
	}
	if k := len(c.OnlyOld) + len(c.OnlyNew); k > 0 {
		w = append(w, fmt.Sprintf("%d configurations were measured in one run only (listed at the end)", k))
	}
	return w
}

// machine describes a machine in one phrase.
func machine(m rf.Meta) string {
	s := fmt.Sprintf("%q, %d cores", m.CPUModel, m.Cores)
	if m.Hostname != "" {
		s += " on " + m.Hostname
	}
	return s
}

func quote(s string) string {
	if s == "" {
		return ""
	}
	return fmt.Sprintf("%q", s)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// minRepeats is the smallest number of repeats per side with which the
// U test can reach Alpha after Holm's correction (see holm) whatever the
// other metrics show: Alpha/len(Metrics).
func minRepeats() int {
	for n := 2; ; n++ {
		// Holm's strictest level: one metric of len(Metrics) tested.
		c := change(Metrics[0], seq(n, 1), seq(n, 1000))
		if c.Significant && c.P < Alpha/float64(len(Metrics)) {
			return n
		}
	}
}

// seq returns n distinct values from base.
func seq(n int, base float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = base + float64(i)
	}
	return out
}

// tooFew counts the configurations with fewer than minRepeats repeats on
// a side.
func tooFew(c *Comparison) int {
	need := minRepeats()
	return len(slices.DeleteFunc(slices.Clone(c.Rows), func(r Row) bool {
		return len(r.Config.Old) >= need && len(r.Config.New) >= need
	}))
}
