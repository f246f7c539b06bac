package report

import (
	"fmt"

	"concbench/resultfmt"
)

// throughputFindings reports topic throughput: the best model per workload against sequential.
func throughputFindings(d *Data) []Finding {
	var out []Finding
	add := adder(&out)
	for _, w := range Workloads(d.Tag(resultfmt.TagThroughput)) {
		var best *Cell
		var seq float64
		var seqName string
		for _, c := range d.Tag(resultfmt.TagThroughput, w) {
			if best == nil || c.Summary.Throughput.Median > best.Summary.Throughput.Median {
				best = c
			}
			if t := d.traits(c.Spec.Model); isBaseline(t) && t.Family == resultfmt.FamilyGo {
				seq, seqName = c.Summary.Throughput.Median, c.Spec.Model
			}
		}
		if best == nil || best.Summary.Throughput.Median == 0 {
			continue
		}
		vs := ""
		if seq > 0 && best.Spec.Model != seqName {
			vs = fmt.Sprintf(", %.1fx %s's %s tasks/s", best.Summary.Throughput.Median/seq, seqName, num(seq))
		}
		add("throughput", false, "On %s (batch of %d), %s has the highest throughput: %s tasks/s%s.", w, best.Spec.Tasks, best.Spec.Model, num(best.Summary.Throughput.Median), vs)
	}
	return out
}
