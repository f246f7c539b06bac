package report

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/montanaflynn/stats"

	"concbench/resultfmt"
)

// sweepText says how much of the sweep's wall time was measured (its duty
// cycle and what a trial cost outside its window), how busy the machine
// was during the windows, and which configurations missed the suite's CI
// target, with the likely cause; "" for a file without a duty cycle.
func sweepText(f *resultfmt.File, cells []*Cell) string {
	d := f.Duty
	if d == nil || d.Wall <= 0 || d.Trials == 0 {
		return ""
	}
	n := float64(d.Trials)
	var b strings.Builder
	fmt.Fprintf(&b, "Duty cycle: %.0f%% of the sweep's %.0f s wall time was inside measurement windows (%.0f s over %d trials counting the warm-ups, whose own windows took %.0f s more). "+
		"Outside its window a trial cost %.0f ms on average: child start %.0f ms and set-up %.0f ms (latency server %.0f, data files %.0f, runner or workers %.0f), %.0f ms of which ran beside the previous trial's teardown; teardown (proof checks included) %.0f ms.",
		100*d.Ratio, d.Wall, d.Windows, d.Trials, d.WarmupWindows,
		1000*d.Cost.Total/n, 1000*d.Cost.ChildStart/n, 1000*d.Cost.Setup/n, 1000*d.Cost.Server/n, 1000*d.Cost.Files/n, 1000*d.Cost.Prepare/n,
		1000*d.Cost.Ahead/n, 1000*d.Cost.Teardown/n)
	busy, noisy, steal, other := 0, 0, 0.0, 0.0
	for _, t := range f.Trials {
		if t.Noise != nil {
			noisy++
			steal, other = steal+t.Noise.Steal, other+t.Noise.Other
			if t.Noise.Busy {
				busy++
			}
		}
	}
	if noisy > 0 {
		fmt.Fprintf(&b, " Noise: %d of %d trials ran on a busy machine (steal plus other processes' CPU above %.2g cores during the window); on average steal took %.2f cores and other processes %.2f.",
			busy, noisy, resultfmt.BusyCores, steal/float64(noisy), other/float64(noisy))
	}
	if f.CITarget > 0 {
		b.WriteString(" " + missedTarget(f.CITarget, cells))
	}
	return b.String()
}

// missedTarget names the configurations whose 95% CI of the median
// throughput is wider than ±target, counted by likely cause.
func missedTarget(target float64, cells []*Cell) string {
	type miss struct {
		name  string
		width float64
	}
	var misses []miss
	causes := map[string]int{}
	for _, c := range cells {
		var xs []float64
		busy, short := 0, 0
		for _, t := range c.Trials {
			xs = append(xs, t.Throughput)
			if t.Noise != nil && t.Noise.Busy {
				busy++
			}
			if t.Window < 0.2 {
				short++
			}
		}
		med, err := stats.Median(xs)
		if w := resultfmt.MedianCI(xs).HalfWidth(med); err != nil || w <= target {
			continue
		}
		misses = append(misses, miss{c.Spec.Name(), resultfmt.MedianCI(xs).HalfWidth(med)})
		switch {
		case 2*busy > len(xs):
			causes["most of its trials on a busy machine"]++
		case 2*short > len(xs):
			causes["windows under 200 ms"]++
		case strings.Contains(c.Spec.Model, "proc") || strings.HasPrefix(c.Spec.Model, "py-") || strings.HasPrefix(c.Spec.Model, "node-"):
			causes["worker processes or an interpreter scheduled by the OS"]++
		default:
			causes["the model's own run-to-run variation"]++
		}
	}
	if len(misses) == 0 {
		return fmt.Sprintf("Every configuration reached the CI target (95%% CI of the median throughput within ±%.0f%%).", 100*target)
	}
	slices.SortFunc(misses, func(a, b miss) int { return cmp.Compare(b.width, a.width) })
	var names []string
	for _, m := range misses[:min(5, len(misses))] {
		names = append(names, fmt.Sprintf("%s ±%.0f%%", m.name, 100*m.width))
	}
	var why []string
	for _, k := range slices.Sorted(maps.Keys(causes)) {
		why = append(why, fmt.Sprintf("%d with %s", causes[k], k))
	}
	return fmt.Sprintf("%d of %d configurations missed the CI target of ±%.0f%% (95%% CI of the median throughput): %s. Widest: %s.",
		len(misses), len(cells), 100*target, strings.Join(why, ", "), strings.Join(names, "; "))
}
