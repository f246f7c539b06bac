package bench

import (
	"math"
	"runtime/metrics"
	"slices"

	"github.com/montanaflynn/stats"
)

// dist computes exact percentiles of ns durations, reported in ms. It
// sorts xs in place.
func dist(xs []float64) Dist {
	if len(xs) == 0 {
		return Dist{}
	}
	slices.Sort(xs)
	pct := func(p float64) float64 {
		v, err := stats.Percentile(xs, p)
		if err != nil {
			return math.NaN()
		}
		return v / 1e6
	}
	mean, _ := stats.Mean(xs)
	return Dist{
		Min:  xs[0] / 1e6,
		Mean: mean / 1e6,
		P50:  pct(50),
		P90:  pct(90),
		P99:  pct(99),
		P999: pct(99.9),
		Max:  xs[len(xs)-1] / 1e6,
	}
}

// histDelta returns after - before, bucket by bucket.
func histDelta(before, after *metrics.Float64Histogram) *metrics.Float64Histogram {
	if before == nil || after == nil || len(before.Counts) != len(after.Counts) {
		return after
	}
	d := &metrics.Float64Histogram{Buckets: after.Buckets, Counts: make([]uint64, len(after.Counts))}
	for i := range d.Counts {
		d.Counts[i] = after.Counts[i] - before.Counts[i]
	}
	return d
}

// histQuantile estimates quantile q of a runtime/metrics histogram (upper
// bucket bound, in the histogram's unit).
func histQuantile(h *metrics.Float64Histogram, q float64) float64 {
	if h == nil {
		return 0
	}
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen >= want {
			up := h.Buckets[i+1]
			if math.IsInf(up, 1) {
				up = h.Buckets[i]
			}
			return up
		}
	}
	return 0
}

// histSum estimates the total of a histogram (bucket midpoints).
func histSum(h *metrics.Float64Histogram) float64 {
	if h == nil {
		return 0
	}
	var s float64
	for i, c := range h.Counts {
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		if math.IsInf(lo, -1) {
			lo = 0
		}
		if math.IsInf(hi, 1) {
			hi = lo
		}
		s += float64(c) * (lo + hi) / 2
	}
	return s
}

// runtimeSnap reads the runtime/metrics the harness reports.
type runtimeSnap struct {
	sched, pauses *metrics.Float64Histogram
	cycles        uint64
	heap          uint64
}

var runtimeNames = []string{
	"/sched/latencies:seconds",
	"/sched/pauses/total/gc:seconds",
	"/gc/cycles/total:gc-cycles",
	"/memory/classes/heap/objects:bytes",
}

func readRuntime() runtimeSnap {
	s := make([]metrics.Sample, len(runtimeNames))
	for i, n := range runtimeNames {
		s[i].Name = n
	}
	metrics.Read(s)
	var r runtimeSnap
	if s[0].Value.Kind() == metrics.KindFloat64Histogram {
		r.sched = s[0].Value.Float64Histogram()
		r.sched = &metrics.Float64Histogram{Buckets: r.sched.Buckets, Counts: slices.Clone(r.sched.Counts)}
	}
	if s[1].Value.Kind() == metrics.KindFloat64Histogram {
		h := s[1].Value.Float64Histogram()
		r.pauses = &metrics.Float64Histogram{Buckets: h.Buckets, Counts: slices.Clone(h.Counts)}
	}
	if s[2].Value.Kind() == metrics.KindUint64 {
		r.cycles = s[2].Value.Uint64()
	}
	if s[3].Value.Kind() == metrics.KindUint64 {
		r.heap = s[3].Value.Uint64()
	}
	return r
}

func runtimeDelta(before, after runtimeSnap) Runtime {
	sched := histDelta(before.sched, after.sched)
	pauses := histDelta(before.pauses, after.pauses)
	return Runtime{
		SchedP50:     histQuantile(sched, 0.5) * 1e3,
		SchedP99:     histQuantile(sched, 0.99) * 1e3,
		GCCycles:     after.cycles - before.cycles,
		GCPauseP99:   histQuantile(pauses, 0.99) * 1e3,
		GCPauseTotal: histSum(pauses) * 1e3,
		HeapPeak:     after.heap,
	}
}
