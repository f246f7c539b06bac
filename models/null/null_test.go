package null

import (
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"concbench/models"
	"concbench/workload"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestNullModel: the null model stamps every no-op task begun and
// finished with a verifiable result, one at a time, and refuses tasks
// with work in them.
func TestNullModel(t *testing.T) {
	info, err := models.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Hidden {
		t.Error("the null model is listed; it is a calibration and must be hidden")
	}
	for _, c := range []struct {
		preset string
		ok     bool
	}{{"noop", true}, {"io-sleep", false}, {"cpu-hash", false}} {
		tasks, err := workload.Build(c.preset, 100, workload.Params{})
		if err != nil {
			t.Fatal(err)
		}
		tr := models.NewTrial(context.Background(), tasks, models.Load{Shape: models.Batch}, workload.Env{}, false)
		m, _ := info.New(info.Resolve(models.Config{}))
		err = m.(models.Preparer).Prepare(tr.Context(), tr)
		if !c.ok {
			if err == nil || !strings.Contains(err.Error(), "only noop tasks") {
				t.Errorf("%s: Prepare error %v, want a refusal naming noop tasks", c.preset, err)
			}
			tr.Close()
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		tr.Rec.Reset()
		if err := m.Run(tr.Context(), tr); err != nil {
			t.Fatal(err)
		}
		if got := tr.Rec.Finished(); got != 100 {
			t.Errorf("%d of 100 tasks finished", got)
		}
		if peak := tr.Rec.PeakInflight(); peak != 1 {
			t.Errorf("peak in-flight %d, want 1 (one task stamped at a time)", peak)
		}
		if _, err := workload.Check(tasks, tr.Rec.Result, workload.Params{}.Fill()); err != nil {
			t.Error(err)
		}
		tr.Close()
	}
}
