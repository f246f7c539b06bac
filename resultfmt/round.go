package resultfmt

import (
	"math"
	"slices"
	"strconv"
)

// Note: rounding is for the published file only. Figures keep 7 significant
// digits (a 0.1 µs step in a 1 s makespan), far finer than the run-to-run
// noise the repeats show; per-task and timeline points keep 1 µs of arrival
// and latency and 0.001 core, finer than the clocks that measured them.
// JSON prints the shortest form of a float, so the rounded digits simply
// disappear from the file.

// Rounded returns a copy of f whose floats are rounded where their precision
// is noise; f is not changed.
func (f *File) Rounded() *File {
	g := *f
	g.Trials = make([]Result, len(f.Trials))
	for i, r := range f.Trials {
		g.Trials[i] = r.rounded()
	}
	return &g
}

// sig rounds v to n significant digits.
func sig(v float64, n int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', n, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// fixed rounds v to d decimals.
func fixed(v float64, d int) float64 {
	p := math.Pow(10, float64(d))
	if r := math.Round(v*p) / p; !math.IsNaN(r) && !math.IsInf(r, 0) {
		return r
	}
	return v
}

func (d Dist) rounded() Dist {
	for _, p := range []*float64{&d.Min, &d.Mean, &d.P50, &d.P90, &d.P99, &d.P999, &d.Max} {
		*p = sig(*p, 7)
	}
	return d
}

// rounded returns r with its floats rounded (new slices, r unchanged).
func (r Result) rounded() Result {
	for _, p := range []*float64{&r.Window, &r.Makespan, &r.Throughput, &r.CPUUser, &r.CPUSys, &r.CPUCores,
		&r.TasksPerCPU, &r.HarnessCPU, &r.ServerCPU, &r.MemPerInflight, &r.CPUResolution, &r.StartupCPU,
		&r.PlateauFrom, &r.PlateauTo,
		&r.Runtime.SchedP50, &r.Runtime.SchedP99, &r.Runtime.GCPauseP99, &r.Runtime.GCPauseTotal} {
		*p = sig(*p, 7)
	}
	r.Latency, r.Wait, r.Service = r.Latency.rounded(), r.Wait.rounded(), r.Service.rounded()
	if r.Inner != nil {
		in := r.Inner.rounded()
		r.Inner = &in
	}
	r.Timeline = slices.Clone(r.Timeline)
	for i := range r.Timeline {
		s := &r.Timeline[i]
		s.T, s.Cores = fixed(s.T, 3), fixed(s.Cores, 3)
	}
	r.Series = slices.Clone(r.Series)
	for i := range r.Series {
		p := &r.Series[i]
		p.Arrive, p.Latency = fixed(p.Arrive, 3), fixed(p.Latency, 3)
	}
	if r.Extra != nil {
		ex := make(map[string]float64, len(r.Extra))
		for k, v := range r.Extra {
			ex[k] = sig(v, 7)
		}
		r.Extra = ex
	}
	return r
}
