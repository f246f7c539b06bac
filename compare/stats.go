package compare

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/aclements/go-moremath/stats"
	"golang.org/x/perf/benchmath"
)

// Confidence is the level of the ratio's confidence interval, and Alpha
// the significance level of the Mann-Whitney U test (benchstat's default).
const (
	Confidence = 0.95
	Alpha      = 0.05
)

// Change is how one metric of one configuration changed from old to new.
type Change struct {
	// Metric points into Metrics.
	Metric *Metric
	// OldN and NewN are the repeats on each side; Old and New their medians.
	OldN, NewN int
	Old, New   float64
	// Ratio is New / Old: the ratio of the medians (NaN when undefined).
	Ratio float64
	// Lo and Hi bound the ratio's confidence interval, at the achieved
	// level Conf (>= Confidence); NaN when the repeats are too few.
	Lo, Hi, Conf float64
	// P is the Mann-Whitney U test's p-value; Significant is P < Alpha.
	P           float64
	Significant bool
	// Why says why a change is not significant or not defined, when the
	// repeats rather than the data decide it.
	Why string
}

// Note: the test and the interval come from two well-kept libraries rather
// than hand-written statistics. golang.org/x/perf/benchmath (benchstat's
// engine) gives the Mann-Whitney U test with benchstat's exact small-sample
// warnings. The interval is the distribution-free one that goes with that
// test (Bauer 1972; Hollander & Wolfe, "Nonparametric Statistical Methods",
// 4.3): the k-th smallest and largest of the n1*n2 pairwise log ratios
// log(new_j/old_i), with k chosen from the exact U distribution of
// github.com/aclements/go-moremath/stats (the library benchmath uses). A
// product of the two sides' median intervals was rejected: it needs at
// least 7 repeats a side for 95% and is conservative beyond that.

// change compares the old and new repeats of one metric.
func change(m Metric, old, new []float64) Change {
	ch := Change{Metric: &m, OldN: len(old), NewN: len(new), Old: math.NaN(), New: math.NaN(), Ratio: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), P: 1}
	if len(old) == 0 || len(new) == 0 {
		ch.Why = "not measured on a side"
		return ch
	}
	th := benchmath.DefaultThresholds
	th.CompareAlpha = Alpha
	so, sn := benchmath.NewSample(slices.Clone(old), &th), benchmath.NewSample(slices.Clone(new), &th)
	ch.Old = benchmath.AssumeNothing.Summary(so, Confidence).Center
	ch.New = benchmath.AssumeNothing.Summary(sn, Confidence).Center
	if !positive(so.Values) || !positive(sn.Values) {
		ch.Why = "zero or invalid values: no ratio"
		return ch
	}
	ch.Ratio = ch.New / ch.Old
	cmp := benchmath.AssumeNothing.Compare(so, sn)
	ch.P = cmp.P
	ch.Lo, ch.Hi, ch.Conf = ratioCI(so.Values, sn.Values, Confidence)
	// Note: with ties inside each side (memory figures rounded to pages
	// often are) go-moremath's exact U distribution can return P = 0 for
	// 3+2 repeats, where no arrangement can reach Alpha. A change is
	// therefore significant only when the repeats could show it at all:
	// when the no-ties interval exists, i.e. 2/C(n1+n2, n1) <= Alpha.
	ch.Significant = cmp.P < cmp.Alpha && !math.IsNaN(ch.Lo)
	switch {
	case len(cmp.Warnings) > 0 && !ch.Significant:
		ch.Why = cmp.Warnings[0].Error()
	case math.IsNaN(ch.Lo):
		ch.Why = "too few repeats"
	}
	return ch
}

// holm applies Holm's step-down correction to the changes of one
// configuration, whose metrics are tested together: the family-wise error
// rate of a configuration stays at Alpha, so two runs of the same build
// flag at most about Alpha of their configurations, where an uncorrected
// test on each of the len(Metrics) figures flagged up to m times as many
// (two quick runs on a busy 2-core machine: 10 of 148 configurations, all
// on p50, CPU or memory with 0.016 <= p < 0.05). The i-th smallest of the m
// tested p-values (ascending, from 0) stays significant while p <
// Alpha/(m-i); at the first that is not, it and every larger one are "~".
// With 5+5 repeats (smallest p 0.008) a change is significant when the
// repeats do not overlap.
func holm(chs []Change) {
	var tested []int
	for i, ch := range chs {
		if !math.IsNaN(ch.Lo) && !math.IsNaN(ch.Ratio) {
			tested = append(tested, i)
		}
	}
	sort.SliceStable(tested, func(a, b int) bool { return chs[tested[a]].P < chs[tested[b]].P })
	m := len(tested)
	for k, i := range tested {
		if limit := Alpha / float64(m-k); chs[i].P >= limit {
			for _, j := range tested[k:] {
				if chs[j].Significant {
					chs[j].Significant = false
					chs[j].Why = fmt.Sprintf("p=%.3f is not below %.3g, Holm's level for the %d metrics of the configuration", chs[j].P, Alpha/float64(m-slices.Index(tested, j)), m)
				}
			}
			return
		}
	}
}

// positive reports whether every value is finite and > 0, so logs exist.
func positive(xs []float64) bool {
	for _, x := range xs {
		if !(x > 0) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// ratioCI is the distribution-free confidence interval of new/old (see the
// note above), at the smallest achievable level >= conf, or NaNs when the
// samples are too small to reach conf.
//
// Cost: O(n1·n2·log(n1·n2)) for the n1·n2 pairwise log ratios, plus the
// rank k of the bounds (ciRank), computed once per (n1, n2, conf). For 200
// repeats a side that is 40,000 logs and one sort per metric.
func ratioCI(old, new []float64, conf float64) (lo, hi, achieved float64) {
	n1, n2 := len(old), len(new)
	k, achieved := ciRank(n1, n2, conf)
	if k == 0 {
		return math.NaN(), math.NaN(), 0
	}
	logs := make([]float64, 0, n1*n2)
	for _, o := range old {
		for _, n := range new {
			logs = append(logs, math.Log(n/o))
		}
	}
	slices.Sort(logs)
	return math.Exp(logs[k-1]), math.Exp(logs[len(logs)-k]), achieved
}

// rankKey identifies one ciRank computation.
type rankKey struct {
	n1, n2 int
	conf   float64
}

// ranks memoises ciRank: every configuration of a sweep usually has the
// same repeats, so the U distribution is evaluated once per run.
var ranks sync.Map // rankKey -> [2]float64{k, achieved}

// ciRank is the rank k of the interval's bounds among the n1·n2 pairwise
// ratios, the largest count with P(U <= k-1) <= (1-conf)/2, and the level
// 1 - 2·P(U <= k-1) it achieves; k = 0 when no k reaches conf.
//
// Up to stats.MannWhitneyExactLimit repeats a side (50, where the U test
// itself is exact) k comes from the exact U distribution, found by binary
// search over its CDF: O(log(n1·n2)) evaluations of O(n1·n2·k) each. Past
// that, as the U test does, from the normal approximation of U with a
// continuity correction: O(1). (Once the exact CDF was evaluated for every
// k up to n1·n2/2, which cost O((n1·n2)^3): 273 s for 100 repeats a side.)
func ciRank(n1, n2 int, conf float64) (int, float64) {
	key := rankKey{n1, n2, conf}
	if v, ok := ranks.Load(key); ok {
		r := v.([2]float64)
		return int(r[0]), r[1]
	}
	tail := (1 - conf) / 2
	half := n1 * n2 / 2
	var k int
	var cdf func(u int) float64
	if n1 <= stats.MannWhitneyExactLimit && n2 <= stats.MannWhitneyExactLimit {
		d := stats.UDist{N1: n1, N2: n2}
		cdf = func(u int) float64 { return d.CDF(float64(u)) }
	} else {
		nd := stats.NormalDist{Mu: float64(n1*n2) / 2, Sigma: math.Sqrt(float64(n1*n2*(n1+n2+1)) / 12)}
		cdf = func(u int) float64 { return nd.CDF(float64(u) + 0.5) }
	}
	// The CDF grows with u: k is the number of u in [0, half) with
	// cdf(u) <= tail (the original loop stopped at half too).
	k = sort.Search(half, func(u int) bool { return cdf(u) > tail })
	achieved := 0.0
	if k > 0 {
		achieved = 1 - 2*cdf(k-1)
	}
	ranks.Store(key, [2]float64{float64(k), achieved})
	return k, achieved
}

// Defined reports whether the ratio exists (both sides measured, values > 0).
func (c Change) Defined() bool { return !math.IsNaN(c.Ratio) }

// Better reports a significant change for the better.
func (c Change) Better() bool {
	return c.Significant && c.Defined() && (c.Ratio > 1) == c.Metric.HigherIsBetter && c.Ratio != 1
}

// Worse reports a significant change for the worse.
func (c Change) Worse() bool {
	return c.Significant && c.Defined() && (c.Ratio < 1) == c.Metric.HigherIsBetter && c.Ratio != 1
}

// WorsePct is how much worse the new side is, in percent (negative when
// better): for a figure where higher is better (throughput) the fall
// (1 - ratio), otherwise the rise (ratio - 1). A throughput of 0.8x and a
// p99 of 1.25x are 20% and 25% worse.
func (c Change) WorsePct() float64 {
	if c.Metric.HigherIsBetter {
		return (1 - c.Ratio) * 100
	}
	return (c.Ratio - 1) * 100
}
