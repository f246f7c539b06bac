package runtimes_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"concbench/bench"
	"concbench/models"
	"concbench/runtimes"
	"concbench/workload"
)

// TestMemoryPerInflightEveryRuntime: every runtime model reports memory
// per in-flight task on io-sleep, also on a batch whose tasks take longer
// to start than to sleep, where every task is in flight only for an
// instant between the last start and the first end, shorter than the
// sampling period (node-eventloop reported 0 B on 100,000 x 100 ms).
// The bounded pools get batches of many waves, so their plateau outlasts
// the sampling period on a loaded machine (py-processes' 8 tasks, two
// waves of 10 ms on 4 workers, once ended between two samples).
func TestMemoryPerInflightEveryRuntime(t *testing.T) {
	tasks := map[string]int{"py-sequential": 20, "py-threads": 200, "py-processes": 40, "py-asyncio": 20_000,
		"py-uvloop": 20_000, "node-eventloop": 60_000, "node-workers": 60_000}
	for _, name := range runtimes.Names() {
		n, ok := tasks[name]
		if !ok {
			t.Fatalf("no batch size for %s", name)
		}
		res := run(t, bench.Spec{Model: name, Workload: "io-sleep", Tasks: n, Params: workload.Params{Sleep: 10 * time.Millisecond}})
		t.Logf("%s: %d tasks, plateau [%.1f, %.1f] ms at %d in flight, %d samples, %.0f B per in-flight task",
			name, n, res.PlateauFrom, res.PlateauTo, res.PlateauInflight, res.PlateauSamples, res.MemPerInflight)
		if res.PlateauSamples == 0 || res.MemPerInflight <= 0 {
			t.Errorf("%s on %d x 10 ms sleeps: %d samples at the plateau, %g B per in-flight task; want a measured figure",
				name, n, res.PlateauSamples, res.MemPerInflight)
		}
	}
}

// TestIdiomaticCalibrations: every runtime model has a hidden calibration
// that runs a noop and an io-sleep batch as the plain program would, is
// verified and holds the invariants like any model, and refuses a batch
// it cannot write plainly with one clear error.
func TestIdiomaticCalibrations(t *testing.T) {
	cal := runtimes.Calibrations()
	for _, name := range runtimes.Names() {
		c := cal[name]
		if slices.Contains(models.Names(), c) {
			t.Errorf("%s is listed; calibrations are hidden", c)
		}
		for _, w := range []string{"noop", "io-sleep"} {
			res := run(t, bench.Spec{Model: c, Workload: w, Tasks: 40, Params: workload.Params{Sleep: 20 * time.Millisecond}})
			if res.Verified != 40 || len(res.Violations()) > 0 {
				t.Errorf("%s on %s: %d of 40 verified, violations %v", c, w, res.Verified, res.Violations())
			}
			if w == "io-sleep" && res.Makespan < 0.02 {
				t.Errorf("%s on 20 ms sleeps: makespan %g s, shorter than one sleep", c, res.Makespan)
			}
		}
	}
	_, err := bench.Run(context.Background(), bench.Spec{Model: "py-asyncio-idiomatic", Workload: "cpu-hash", Tasks: 4})
	if err == nil || !strings.Contains(err.Error(), "only noop and io-sleep") {
		t.Errorf("py-asyncio-idiomatic on cpu-hash: error %v, want one naming noop and io-sleep", err)
	}
}

// TestTaxSuite: the runner-tax suite in scripts/ loads, and every runtime
// model it runs has its calibration on the same batches.
func TestTaxSuite(t *testing.T) {
	s, err := bench.LoadSuite("../scripts/suite-tax.json")
	if err != nil {
		t.Fatal(err)
	}
	cal := runtimes.Calibrations()
	seen := map[string]bool{}
	for _, e := range s.Experiments {
		for _, m := range e.Models {
			if c, ok := cal[m]; ok {
				seen[m] = true
				if !slices.Contains(e.Models, c) {
					t.Errorf("experiment %v runs %s without %s", e.Workloads, m, c)
				}
			}
		}
	}
	for _, m := range runtimes.Names() {
		if !seen[m] {
			t.Errorf("the tax suite does not run %s", m)
		}
	}
}
