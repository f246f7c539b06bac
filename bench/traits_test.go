package bench

import (
	"slices"
	"testing"

	"concbench/models"
	"concbench/resultfmt"
)

// TestModelTraitsDeclared: every registered model declares its traits in
// its registration, consistently: a known kind, a family, and a baseline
// that is a registered model of the same family, its own baseline, running
// one task at a time or on one loop thread (never in parallel).
func TestModelTraitsDeclared(t *testing.T) {
	ts := ModelTraits()
	if len(ts) != len(models.Names()) {
		t.Fatalf("%d traits for %d models", len(ts), len(models.Names()))
	}
	byName := map[string]resultfmt.ModelTraits{}
	for _, tr := range ts {
		byName[tr.Name] = tr
	}
	kinds := []resultfmt.ModelKind{resultfmt.KindSequential, resultfmt.KindEventLoop, resultfmt.KindPerTask, resultfmt.KindPool}
	for _, tr := range ts {
		base, ok := byName[tr.Baseline]
		switch {
		case tr.Family == "":
			t.Errorf("%s: no family", tr.Name)
		case !slices.Contains(kinds, tr.Kind):
			t.Errorf("%s: kind %q, want one of %v", tr.Name, tr.Kind, kinds)
		case !ok:
			t.Errorf("%s: baseline %q is not a registered model", tr.Name, tr.Baseline)
		case base.Family != tr.Family || base.Baseline != base.Name || base.Parallel:
			t.Errorf("%s: baseline %+v is not a one-thread model of family %s that is its own baseline", tr.Name, base, tr.Family)
		case tr.Processes && !tr.Parallel:
			t.Errorf("%s: worker processes but not parallel", tr.Name)
		}
	}
}
