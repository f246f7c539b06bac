package report

import (
	"strings"
	"testing"

	"concbench/resultfmt"
)

// TestSweepText: the Method's sweep sentences state the duty cycle, the
// busy trials and the configurations that missed the CI target, with
// their likely cause; a file without a duty cycle adds nothing.
func TestSweepText(t *testing.T) {
	trial := func(tp float64, busy bool) resultfmt.Result {
		return resultfmt.Result{Throughput: tp, Window: 0.5, Noise: &resultfmt.Noise{Other: 0.1, Busy: busy}}
	}
	steady := &Cell{Spec: resultfmt.Spec{Tag: "t", Workload: "noop", Model: "pool", Load: "batch", Tasks: 10},
		Trials: []resultfmt.Result{trial(100, false), trial(101, false), trial(99, false), trial(100, false), trial(100, false)}}
	wide := &Cell{Spec: resultfmt.Spec{Tag: "t", Workload: "noop", Model: "goroutines", Load: "batch", Tasks: 10},
		Trials: []resultfmt.Result{trial(100, true), trial(150, true), trial(60, true), trial(120, false), trial(90, true)}}
	f := &resultfmt.File{CITarget: 0.05, Duty: &resultfmt.Duty{Wall: 100, Windows: 72, Trials: 10, Ratio: 0.72}}
	for _, c := range []*Cell{steady, wide} {
		f.Trials = append(f.Trials, c.Trials...)
	}
	got := sweepText(f, []*Cell{steady, wide})
	for _, want := range []string{"Duty cycle: 72%", "4 of 10 trials ran on a busy machine", "1 of 2 configurations missed the CI target of ±5%",
		"1 with most of its trials on a busy machine", "t/noop/goroutines/batch/n=10"} {
		if !strings.Contains(got, want) {
			t.Errorf("sweep text lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "/pool/") {
		t.Errorf("a configuration within the target is named:\n%s", got)
	}
	if got := sweepText(&resultfmt.File{}, nil); got != "" {
		t.Errorf("no duty cycle, text %q", got)
	}
}
