package report

import (
	"concbench/resultfmt"
	"fmt"
	"strings"
)

// ioFindings reports I/O scaling at the largest task count against one wait and N waits.
func ioFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	io := d.Tag(resultfmt.TagIOScaling)
	for _, m := range Models(io) {
		cs := ByModel(io)[m]
		c := cs[len(cs)-1]
		lat := c.Spec.Params.Sleep.Seconds()
		mk := c.Summary.Makespan.Median
		if mk <= 0 || lat <= 0 {
			continue
		}
		seq := float64(c.Spec.Tasks) * lat
		text := fmt.Sprintf("%s finished %d tasks that each wait %v in %s s: %.1fx the ideal single wait, %.0fx faster than one after another (%s s).",
			m, c.Spec.Tasks, c.Spec.Params.Sleep, num(mk), mk/lat, seq/mk, num(seq))
		if m == "sequential" {
			add("io", false, "sequential took %s s for %d tasks that each wait %v: %.2fx the N x wait bound of %s s, one wait after another.", num(mk), c.Spec.Tasks, c.Spec.Params.Sleep, mk/seq, num(seq))
			continue
		}
		if (m == "eventloop" || m == "goroutines") && c.Spec.Tasks >= 100 && seq/mk < 10 {
			add("io", true, "%s (it should overlap the waits).", strings.TrimSuffix(text, "."))
		} else {
			add("io", false, "%s", text)
		}
	}
	return out
}
