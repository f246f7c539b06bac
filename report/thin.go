package report

import (
	"math"

	"concbench/resultfmt"
)

// maxScatter bounds the points a per-task scatter draws per model: the
// blocking chart's thousands of tasks made a 640 KB SVG, and a reader sees
// no more than this at chart size.
const maxScatter = 800

// thinSeries returns at most about limit points of pts that draw the same
// picture: every blocking task, and in each of limit/2 slices of arrival
// time the fastest and the slowest other task, so the envelope (stalls,
// stripes, outliers) stays exact. Order is kept. pts itself is returned
// when it is small enough.
func thinSeries(pts []resultfmt.Point, limit int) []resultfmt.Point {
	if len(pts) <= limit || limit < 2 {
		return pts
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		lo, hi = math.Min(lo, p.Arrive), math.Max(hi, p.Arrive)
	}
	n := limit / 2
	minAt, maxAt := make([]int, n), make([]int, n)
	for i := range minAt {
		minAt[i], maxAt[i] = -1, -1
	}
	keep := make([]bool, len(pts))
	for i, p := range pts {
		if p.Blocking {
			keep[i] = true
			continue
		}
		b := 0
		if hi > lo {
			b = min(n-1, int(float64(n)*(p.Arrive-lo)/(hi-lo)))
		}
		if minAt[b] < 0 || p.Latency < pts[minAt[b]].Latency {
			minAt[b] = i
		}
		if maxAt[b] < 0 || p.Latency > pts[maxAt[b]].Latency {
			maxAt[b] = i
		}
	}
	for b := range n {
		for _, i := range []int{minAt[b], maxAt[b]} {
			if i >= 0 {
				keep[i] = true
			}
		}
	}
	var out []resultfmt.Point
	for i, p := range pts {
		if keep[i] {
			out = append(out, p)
		}
	}
	return out
}
