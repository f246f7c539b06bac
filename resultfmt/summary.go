package resultfmt

import (
	"math"
	"slices"

	"github.com/montanaflynn/stats"
)

// Stat is a figure over repeats: median and range.
type Stat struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
}

// Spread is (max - min) / median, 0 for a single value.
func (s Stat) Spread() float64 {
	if s.Median == 0 {
		return 0
	}
	return (s.Max - s.Min) / math.Abs(s.Median)
}

// NoisySpread is the spread of throughput above which a configuration is
// flagged as noisy.
const NoisySpread = 0.10

// Summary aggregates the repeats of one configuration.
type Summary struct {
	Spec       Spec `json:"spec"`
	Repeats    int  `json:"repeats"`
	Throughput Stat `json:"throughput_per_s"`
	// ThroughputCI is the 95% confidence interval of the median
	// throughput (see MedianCI).
	ThroughputCI Interval `json:"throughput_ci"`
	Makespan     Stat     `json:"makespan_s"`
	P50          Stat     `json:"p50_ms"`
	P99          Stat     `json:"p99_ms"`
	P999         Stat     `json:"p999_ms"`
	// CPUCores and CPUPerTask are over the repeats whose CPU figures are
	// resolved; CPUUnresolved says why, when none is (show "–").
	CPUCores      Stat   `json:"cpu_cores"`
	CPUPerTask    Stat   `json:"cpu_us_per_task"`
	CPUUnresolved string `json:"cpu_unresolved,omitempty"`
	PeakRSS       Stat   `json:"peak_rss_bytes"`
	Inflight      Stat   `json:"peak_inflight"`
	// Threads is the peak OS threads of the process tree; MemPerInflight
	// the memory per in-flight task in bytes over the repeats whose plateau
	// held a sample (the zero Stat when none did).
	Threads        Stat `json:"threads_peak"`
	MemPerInflight Stat `json:"mem_per_inflight_bytes"`
	Procs          int  `json:"gomaxprocs"`
	Conc           int  `json:"concurrency"`
	Noisy          bool `json:"noisy"`
	// Violations names the invariants a measured repeat violated.
	Violations []string `json:"violations,omitempty"`
	Error      string   `json:"error,omitempty"`
}

// StatOf is the median and min..max of xs (the zero Stat for none). The
// median of an even count is the mean of the middle two.
func StatOf(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	med, _ := stats.Median(xs)
	return Stat{Median: med, Min: slices.Min(xs), Max: slices.Max(xs)}
}

// stat is StatOf figure f over the trials rs.
func stat(rs []Result, f func(Result) float64) Stat {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	return StatOf(xs)
}

// Summarize aggregates the measured repeats (warm-ups excluded) of one
// configuration.
func Summarize(rs []Result) Summary {
	var m []Result
	for _, r := range rs {
		if r.Repeat >= 0 && r.Error == "" {
			m = append(m, r)
		}
	}
	s := Summary{Repeats: len(m)}
	if len(rs) > 0 {
		s.Spec = rs[0].Spec
		s.Procs, s.Conc = rs[0].Config.Procs, rs[0].Config.Concurrency
		for _, r := range rs {
			if r.Error != "" {
				s.Error = r.Error
			}
		}
	}
	s.Throughput = stat(m, func(r Result) float64 { return r.Throughput })
	s.ThroughputCI = MedianCI(Throughputs(m))
	s.Makespan = stat(m, func(r Result) float64 { return r.Makespan })
	s.P50 = stat(m, func(r Result) float64 { return r.Latency.P50 })
	s.P99 = stat(m, func(r Result) float64 { return r.Latency.P99 })
	s.P999 = stat(m, func(r Result) float64 { return r.Latency.P999 })
	var resolved []Result
	for _, r := range m {
		if r.CPUUnresolved == "" {
			resolved = append(resolved, r)
		}
	}
	if len(resolved) == 0 && len(m) > 0 {
		s.CPUUnresolved = m[0].CPUUnresolved
	}
	s.CPUCores = stat(resolved, func(r Result) float64 { return r.CPUCores })
	s.CPUPerTask = stat(resolved, Result.CPUPerTask)
	s.PeakRSS = stat(m, func(r Result) float64 { return float64(r.PeakRSS) })
	s.Inflight = stat(m, func(r Result) float64 { return float64(r.PeakInflight) })
	s.Threads = stat(m, func(r Result) float64 { return float64(r.Threads) })
	var plateau []Result
	for _, r := range m {
		if r.PlateauSamples > 0 {
			plateau = append(plateau, r)
		}
	}
	s.MemPerInflight = stat(plateau, func(r Result) float64 { return r.MemPerInflight })
	s.Noisy = len(m) > 1 && s.Throughput.Spread() > NoisySpread
	for _, r := range m {
		for _, c := range r.Violations() {
			if !slices.Contains(s.Violations, c.Name) {
				s.Violations = append(s.Violations, c.Name)
			}
		}
	}
	return s
}

// CPUPerTask is the trial's CPU time per completed task, µs (0 when none
// completed). Check CPUUnresolved before showing it.
func (r Result) CPUPerTask() float64 {
	if r.Completed == 0 {
		return 0
	}
	return (r.CPUUser + r.CPUSys) / float64(r.Completed) * 1e6
}

// Throughputs returns the throughput of each result.
func Throughputs(rs []Result) []float64 {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = r.Throughput
	}
	return xs
}

// Converged reports whether the 95% interval of the median throughput of
// the measured repeats rs is within ±target of the median.
func Converged(rs []Result, target float64) bool {
	xs := Throughputs(rs)
	if len(xs) < 2 {
		return false
	}
	med, _ := stats.Median(xs)
	return MedianCI(xs).HalfWidth(med) <= target
}
