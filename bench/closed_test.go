package bench

import (
	"context"
	"runtime"
	"slices"
	"testing"

	"concbench/models"
	"concbench/workload"
)

// runTrial runs tasks on model at its default config under load, in this
// process, and returns the trial with its recorder's slots.
func runTrial(t *testing.T, model string, tasks []workload.Task, load models.Load) *models.Trial {
	t.Helper()
	info, err := models.Lookup(model)
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.Resolve(models.Config{})
	m, err := info.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(cfg.Procs))
	tr := models.NewTrial(context.Background(), tasks, load, workload.Env{}, false)
	t.Cleanup(tr.Close)
	if p, ok := m.(models.Preparer); ok {
		if err := p.Prepare(tr.Context(), tr); err != nil {
			t.Fatal(err)
		}
	}
	tr.Rec.Reset()
	if err := runModel(tr, m); err != nil {
		t.Fatalf("%s: %v", model, err)
	}
	return tr
}

// TestClosedArrivalIsCompletion: under closed:C a client's next task arrives
// the instant its previous one completes, in every model. So the first C
// tasks arrive at the trial start (as a batch does), and every later arrival is exactly the
// end timestamp of a distinct earlier task (matched one to one), no later
// than the task's own start. A model (or Feed) that stamps the arrival when
// the feeder next runs hides the client's wait and fails here.
func TestClosedArrivalIsCompletion(t *testing.T) {
	const n, c = 120, 4
	tasks, err := workload.Build("cpu-hash", n, workload.Params{Units: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range models.Names() {
		t.Run("model="+m, func(t *testing.T) {
			r := runTrial(t, m, tasks, models.Load{Shape: models.Closed, Clients: c}).Rec
			ends := slices.Clone(r.End)
			slices.Sort(ends)
			used := make([]bool, n)
			for i := c; i < n; i++ {
				a := r.Arrive[i]
				k, found := slices.BinarySearch(ends, a)
				for found && k < n && ends[k] == a && used[k] {
					k++
				}
				if !found || k == n || ends[k] != a {
					t.Fatalf("task %d arrived at %d ns, which is no unclaimed completion (nearest earlier end %d ns)", i, a, ends[max(k-1, 0)])
				}
				used[k] = true
				if r.Start[i] < a {
					t.Fatalf("task %d started at %d ns, before its arrival at %d ns", i, r.Start[i], a)
				}
			}
			if slices.ContainsFunc(r.Arrive[:c], func(a int64) bool { return a != 0 }) {
				t.Fatalf("first %d clients arrive at %v ns, want the trial start (0)", c, r.Arrive[:c])
			}
		})
	}
}

// TestClosedLoadWithinClients: on a CPU-bound closed load no model ever
// has more tasks in flight than clients (the peak of the in-flight gauge,
// or for a runtime the overlap of its stamps), and Little's ratio, which
// holds by construction (information, not a check), is in the result.
func TestClosedLoadWithinClients(t *testing.T) {
	for _, m := range models.Names() {
		t.Run("model="+m, func(t *testing.T) {
			res := mustRun(t, Spec{Model: m, Workload: "cpu-hash", Tasks: 320, Load: "closed:8",
				Params: workload.Params{Units: 300}})
			got, ok := res.Extra[LittlesRatio]
			if !ok {
				t.Fatalf("no %s in the result's extra figures: %v", LittlesRatio, res.Extra)
			}
			if got <= 0 || res.PeakInflight > 8 || res.PeakInflight < 1 {
				t.Errorf("peak in flight %d under closed:8 (Little's ratio %.3f)", res.PeakInflight, got)
			}
		})
	}
}
