package resultfmt

import (
	"math"

	"github.com/montanaflynn/stats"
)

// CILevel is the confidence level of every interval concbench reports.
const CILevel = 0.95

// CITarget is the default precision adaptive repeats aim for: the 95%
// interval of the median throughput within ±3% of the median.
const CITarget = 0.03

// Interval is a confidence interval of a median over repeats.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Level is the confidence level (0.95), 0 when there are too few
	// repeats for an interval (fewer than 2).
	Level float64 `json:"level"`
}

// HalfWidth is the interval's half width relative to median m (+Inf when
// there is no interval).
func (iv Interval) HalfWidth(m float64) float64 {
	if iv.Level == 0 || m == 0 {
		return math.Inf(1)
	}
	return (iv.Hi - iv.Lo) / 2 / math.Abs(m)
}

// MedianCI is the 95% confidence interval of the median of xs:
// median ± t(0.975, n-1) × sqrt(π/2) × s / √n, the normal-theory standard
// error of a sample median (its asymptotic efficiency against the mean is
// 2/π) with Student's t for the few repeats a benchmark affords.
//
// Note: a distribution-free interval from order statistics needs at least
// 6 repeats before any 95% interval exists (with 3 it is min..max at 75%),
// which would make every cell of a suite run 6 times; the normal-theory
// interval exists from 2 repeats and widens honestly when repeats disagree.
func MedianCI(xs []float64) Interval {
	n := len(xs)
	if n < 2 {
		return Interval{}
	}
	med, _ := stats.Median(xs)
	sd, _ := stats.StandardDeviationSample(xs)
	h := tQuantile975(n-1) * math.Sqrt(math.Pi/2) * sd / math.Sqrt(float64(n))
	return Interval{Lo: med - h, Hi: med + h, Level: CILevel}
}

// t975 holds Student's t 0.975 quantiles for 1..30 degrees of freedom.
var t975 = [...]float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

func tQuantile975(df int) float64 {
	if df >= 1 && df <= len(t975) {
		return t975[df-1]
	}
	return 1.96
}
