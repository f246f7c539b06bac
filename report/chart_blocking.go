package report

import (
	"fmt"
	"math"

	"concbench/resultfmt"
)

// blockingChart is chart 9: per-task latency over arrival time, one panel
// per model (the event loop vs a goroutine per task), blocking tasks
// marked (blockingSpecs), drawn by panelsFigure.
func blockingChart(d *Data) ([]*figure, string, error) {
	if len(stalls(d)) == 0 {
		return nil, "", missing("no \"blocking\" trials with a per-task series (Spec.Series) in the results")
	}
	fig, err := panelsFigure(d, blockingSpecs(d)[0])
	if err != nil {
		return nil, "", err
	}
	c := d.Tag(resultfmt.TagBlocking)[0]
	caption := fmt.Sprintf("Latency of each task (dots, from its intended arrival) against its arrival time; crosses: the tasks that also make a %v blocking call (1 in %d). Shared y axis; the repeat with the median worst non-blocking latency of each model. Above %d tasks, each slice of arrival time shows its fastest and slowest task (the envelope) and every blocking task. On an event loop the blocking call runs on the loop thread, so every task in flight waits for it: a vertical stripe of delayed tasks.",
		c.Spec.Params.Block, c.Spec.Params.BlockEvery, maxScatter)
	return []*figure{fig}, caption, nil
}

// blockingSpecs describe the blocking chart: per model, the latency of
// each task of its median repeat (stalls) against its intended arrival,
// thinned above maxScatter tasks, the tasks that made the blocking call
// marked with a cross; the ideal (a task's own wait) as the reference
// line; panels one above the other on shared axes with room above for the
// legend.
func blockingSpecs(d *Data) []*chartSpec {
	ss := stalls(d)
	c := d.Tag(resultfmt.TagBlocking)[0]
	wc := &chartSpec{ID: "blocking", Title: fmt.Sprintf("The blocking mistake: %s under %s", c.Spec.Workload, c.Spec.Load), Panels: true, Cols: 1,
		X: specAxis{Label: "intended arrival time (s); crosses: tasks that made the blocking call"}, Y: specAxis{Label: "latency (ms)"}}
	tMax, yMax, ideal := 0.0, 0.0, 0.0
	for _, s := range ss {
		for _, pt := range s.Trial.Series {
			yMax, tMax = math.Max(yMax, pt.Latency), math.Max(tMax, pt.Arrive/1000)
		}
		var pts []specPoint
		for _, pt := range thinSeries(s.Trial.Series, maxScatter) {
			p := specPoint{X: pt.Arrive / 1000, Y: pt.Latency, Note: fmt.Sprintf("task %d", pt.Task)}
			if pt.Blocking {
				p.Note += fmt.Sprintf(": made the %s ms blocking call", num(s.Block))
				p.Mark = "x"
			}
			pts = append(pts, p)
		}
		ideal = s.Ideal
		ser := d.modelSeries(s.Model, s.label(), "dots", pts)
		ser.Unit, ser.MarkLabel = "task", fmt.Sprintf("task making a %.0f ms blocking call", s.Block)
		wc.Series = append(wc.Series, ser)
	}
	wc.Refs = append(wc.Refs, refSeries(fmt.Sprintf("ideal: own wait %.0f ms", ideal), [2]float64{0, ideal}, [2]float64{tMax, ideal}))
	wc.X.Range, wc.Y.Range = []float64{0, tMax * 1.01}, []float64{0, yMax * 1.35}
	return []*chartSpec{wc}
}
