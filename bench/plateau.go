package bench

import (
	"slices"

	"concbench/models"
)

// Memory per in-flight task is measured at the plateau, not at the peak
// RSS: the span when the most tasks were in flight at once. The peak RSS of
// a batch comes as tasks finish (result slots, summarising) and can fall
// after the window; at the plateau every in-flight task's state is live
// and nothing else has started.
//
// Note: the plateau is derived after the trial from the per-task start and
// end times, not signalled while it runs, so neither the model nor a
// sampler inside the measured process does anything extra; the samples
// that fall inside it (in-process or from the parent) give its RSS.

// plateau finds the span [from, to] (ns since time zero) during which the
// number of tasks in flight (started, not ended) was at its highest, and
// that number: from the first moment it was reached to the last moment it
// was left. Tasks that never started or ended are left out.
func plateau(rec *models.Recorder) (from, to, level int64) {
	type event struct {
		t int64
		d int64
	}
	ev := make([]event, 0, 2*len(rec.Start))
	for i, s := range rec.Start {
		if rec.End[i] == 0 {
			continue
		}
		ev = append(ev, event{s, 1}, event{rec.End[i], -1})
	}
	// Ends sort before starts at the same instant: a task that ends as
	// another starts does not make them both in flight.
	slices.SortFunc(ev, func(a, b event) int {
		if a.t != b.t {
			return int(min(max(a.t-b.t, -1), 1))
		}
		return int(a.d - b.d)
	})
	var cur int64
	for _, e := range ev {
		cur += e.d
		switch {
		case cur > level:
			level, from, to = cur, e.t, e.t
		case e.d < 0 && cur == level-1:
			to = e.t
		}
	}
	return from, to, level
}

// setPlateau records the trial's plateau (from its recorder) in res.
func setPlateau(res *Result, rec *models.Recorder) {
	from, to, level := plateau(rec)
	res.PlateauFrom, res.PlateauTo, res.PlateauInflight = float64(from)/1e6, float64(to)/1e6, level
}

// applyPlateau takes the highest RSS among the samples rss (res's timeline,
// or the parent's finer RSS readings) inside the plateau and derives memory
// per in-flight task from it. A plateau
// shorter than the sampling period holds no sample: a batch whose tasks
// take longer to start than to sleep (100,000 Node.js or asyncio tasks of
// 100 ms) has every task in flight only for the instant between the last
// start and the first end. Then the first sample after the plateau while
// tasks are still running (before the last ends) stands in
// (PlateauSamples 1): the runtime has not returned the ended tasks' memory
// yet, and dividing by the plateau's count errs low. With neither, the
// figure is 0 and PlateauSamples says why.
func applyPlateau(res *Result, rss []Sample) {
	res.PlateauRSS, res.PlateauSamples, res.MemPerInflight = 0, 0, 0
	for _, s := range rss {
		if s.T >= res.PlateauFrom && s.T <= res.PlateauTo {
			res.PlateauRSS = max(res.PlateauRSS, s.RSS)
			res.PlateauSamples++
		}
	}
	if res.PlateauSamples == 0 {
		for _, s := range rss {
			if s.T > res.PlateauTo && s.T <= res.Makespan*1e3 {
				res.PlateauRSS, res.PlateauSamples = s.RSS, 1
				break
			}
		}
	}
	if res.PlateauSamples > 0 && res.PlateauInflight > 0 {
		res.MemPerInflight = float64(max(0, res.PlateauRSS-res.BaseRSS)) / float64(res.PlateauInflight)
	}
}
