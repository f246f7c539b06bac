package bench

import (
	"testing"
	"time"

	"concbench/models"
	"concbench/workload"
)

func TestPlateauSpan(t *testing.T) {
	rec := models.NewRecorder(4, false)
	copy(rec.Start, []int64{0, 10, 20, 30})
	copy(rec.End, []int64{100, 90, 50, 0}) // task 3 never ended: left out
	from, to, level := plateau(rec)
	if from != 20 || to != 50 || level != 3 {
		t.Errorf("plateau = [%d, %d] at %d in flight, want [20, 50] at 3", from, to, level)
	}
	// A task ending as another starts does not overlap it.
	rec = models.NewRecorder(2, false)
	copy(rec.Start, []int64{1, 10})
	copy(rec.End, []int64{10, 20})
	if _, _, level := plateau(rec); level != 1 {
		t.Errorf("back-to-back tasks: level %d, want 1", level)
	}
}

// TestMemoryAtPlateau: memory per in-flight task comes from the RSS
// sampled while the most tasks were in flight, not from the peak RSS that
// comes later, as tasks finish.
func TestMemoryAtPlateau(t *testing.T) {
	res := &Result{BaseRSS: 1000, PeakRSS: 9000, PlateauFrom: 10, PlateauTo: 20, PlateauInflight: 100,
		Timeline: []Sample{{T: 5, RSS: 2000}, {T: 12, RSS: 4000}, {T: 18, RSS: 5000}, {T: 25, RSS: 9000}}}
	applyPlateau(res, res.Timeline)
	if res.PlateauRSS != 5000 || res.PlateauSamples != 2 || res.MemPerInflight != 40 {
		t.Errorf("plateau RSS %d from %d samples, %g B/task; want 5000 from 2, 40 B/task", res.PlateauRSS, res.PlateauSamples, res.MemPerInflight)
	}
	// A plateau shorter than the sampling period: the first sample after
	// it while tasks still run (the last ends at 40 ms); none: not
	// measured, rather than the peak.
	res.Makespan = 0.040
	for _, c := range []struct {
		name     string
		timeline []Sample
		rss      int64
		samples  int
		per      float64
	}{
		{"next sample while tasks run", []Sample{{T: 5, RSS: 2000}, {T: 35, RSS: 6000}, {T: 45, RSS: 9000}}, 6000, 1, 50},
		{"no sample before the last task ends", []Sample{{T: 5, RSS: 2000}, {T: 45, RSS: 9000}}, 0, 0, 0},
	} {
		res.Timeline = c.timeline
		applyPlateau(res, res.Timeline)
		if res.PlateauRSS != c.rss || res.PlateauSamples != c.samples || res.MemPerInflight != c.per {
			t.Errorf("%s: plateau RSS %d from %d samples, %g B/task; want %d from %d, %g B/task",
				c.name, res.PlateauRSS, res.PlateauSamples, res.MemPerInflight, c.rss, c.samples, c.per)
		}
	}
}

// TestPlateauOfRealTrial: on a batch of long sleeps the plateau holds
// every task, lies inside the window, and the sampler lands in it.
func TestPlateauOfRealTrial(t *testing.T) {
	const n = 2000
	res := mustRun(t, Spec{Model: "goroutines", Workload: "io-sleep", Tasks: n,
		Params: workload.Params{Sleep: 300 * time.Millisecond}, Sample: 10 * time.Millisecond})
	if res.PlateauInflight != n || res.PlateauFrom >= res.PlateauTo || res.PlateauTo > res.Window*1e3 {
		t.Fatalf("plateau [%g, %g] ms at %d in flight; want all %d within the %g s window", res.PlateauFrom, res.PlateauTo, res.PlateauInflight, n, res.Window)
	}
	if res.PlateauSamples == 0 || res.MemPerInflight <= 0 {
		t.Errorf("plateau sampled %d times, %g B/task; want samples and a figure", res.PlateauSamples, res.MemPerInflight)
	}
}
