package resultfmt

import (
	"fmt"
	"math"
	"strings"
)

// A results file is input like a flag: every number a chart or a table
// uses is checked before it reaches one. A value outside its range (a
// negative throughput, a zero makespan on a log axis, a timeline sample of
// 1e308 cores that would stall the PNG rasteriser) refuses the whole file
// with one line naming the trial, the field and what is allowed.

// bound is the allowed range of one number: lo..hi, lo itself excluded
// when open (a value drawn on a log axis must be > 0).
type bound struct {
	lo, hi float64
	open   bool
}

func (b bound) String() string {
	if b.open {
		return fmt.Sprintf("%g < x <= %g", b.lo, b.hi)
	}
	return fmt.Sprintf("%g..%g", b.lo, b.hi)
}

func (b bound) contains(v float64) bool {
	if math.IsNaN(v) || v > b.hi || v < b.lo {
		return false
	}
	return !b.open || v > b.lo
}

// The ranges: far beyond any real trial, tight enough that every chart
// stays drawable (finite, > 0 on log axes, within float range after the
// axes' padding).
var (
	positive = bound{0, 1e12, true}  // seconds, tasks/s, latency percentiles: log axes
	nonNeg   = bound{0, 1e12, false} // other durations and rates
	coreSpan = bound{0, 1e5, false}  // CPU use in cores
	byteSpan = bound{0, 1 << 50, false}
	countMax = bound{0, 1e15, false}
	taskSpan = bound{1, 1e7, false} // workload.MaxTasks
	anyFinal = bound{-1e15, 1e15, false}
)

// checker records the first value out of range.
type checker struct {
	where string
	err   error
}

func (c *checker) num(name string, v float64, b bound) {
	if c.err == nil && !b.contains(v) {
		c.err = fmt.Errorf("%s: %s %g out of range (allowed %v)", c.where, name, v, b)
	}
}

// dist checks a distribution: every figure >= 0, and p50 and p99 (the
// figures every latency table and chart shows) within key.
func (c *checker) dist(name string, d Dist, key bound) {
	for _, x := range []struct {
		n string
		v float64
		b bound
	}{{"min_ms", d.Min, nonNeg}, {"mean_ms", d.Mean, nonNeg}, {"p50_ms", d.P50, key}, {"p90_ms", d.P90, nonNeg},
		{"p99_ms", d.P99, key}, {"p999_ms", d.P999, nonNeg}, {"max_ms", d.Max, nonNeg}} {
		c.num(name+"."+x.n, x.v, x.b)
	}
}

// Validate checks every number the report uses; ReadFile does not call
// it (a reader that draws or tabulates results should). Warm-ups and
// failed trials, which the report leaves out, are checked only for what
// marks them so.
func (f *File) Validate() error {
	c := &checker{where: "meta"}
	c.num("cores", float64(f.Meta.Cores), bound{0, 1 << 16, false})
	c.num("other_busy_cores", f.Meta.OtherBusy, coreSpan)
	for _, l := range f.Meta.LoadAvg {
		c.num("loadavg", l, nonNeg)
	}
	c.num("ci_target", f.CITarget, bound{0, 1, false})
	c.duty(f.Duty)
	for i := range f.Trials {
		r := &f.Trials[i]
		c.where = fmt.Sprintf("trial %d (%s/%s)", i+1, r.Spec.Model, r.Spec.Workload)
		c.num("repeat", float64(r.Repeat), bound{-1, 1e6, false})
		if r.Repeat < 0 || r.Error != "" {
			continue
		}
		c.trial(r)
	}
	c.servers(f.Servers)
	return c.err
}

func (c *checker) trial(r *Result) {
	c.spec(r.Spec)
	c.num("resolved.concurrency", float64(r.Config.Concurrency), taskSpan.withZero())
	c.num("resolved.gomaxprocs", float64(r.Config.Procs), bound{0, 1 << 16, false})
	c.num("tasks", float64(r.Tasks), taskSpan)
	c.num("completed", float64(r.Completed), bound{0, float64(r.Tasks), false})
	c.num("verified", float64(r.Verified), bound{0, float64(r.Tasks), false})
	c.num("makespan_s", r.Makespan, positive)
	c.num("window_s", r.Window, nonNeg)
	c.costs(r.Cost, r.Noise)
	c.num("throughput_per_s", r.Throughput, positive)
	c.dist("latency", r.Latency, positive)
	c.dist("wait", r.Wait, nonNeg)
	c.dist("service", r.Service, nonNeg)
	if r.Inner != nil {
		c.dist("inner", *r.Inner, nonNeg)
	}
	c.num("peak_inflight", float64(r.PeakInflight), taskSpan.withZero())
	c.num("peak_cpu_steps", float64(r.PeakCPUSteps), taskSpan.withZero())
	for _, x := range []struct {
		n string
		v float64
		b bound
	}{
		{"cpu_user_s", r.CPUUser, nonNeg}, {"cpu_sys_s", r.CPUSys, nonNeg}, {"cpu_cores", r.CPUCores, coreSpan},
		{"tasks_per_cpu_s", r.TasksPerCPU, nonNeg}, {"harness_cpu_s", r.HarnessCPU, nonNeg}, {"server_cpu_s", r.ServerCPU, nonNeg},
		{"server_requests", float64(r.ServerRequests), countMax},
		{"base_rss_bytes", float64(r.BaseRSS), byteSpan}, {"peak_rss_bytes", float64(r.PeakRSS), byteSpan},
		{"mem_per_inflight_bytes", r.MemPerInflight, byteSpan}, {"child_maxrss_bytes", float64(r.ChildMaxRSS), byteSpan},
		{"harness_mem_per_task_bytes", r.HarnessMemPerTask, byteSpan}, {"bytes_read", float64(r.BytesRead), byteSpan},
		{"workers", float64(r.Workers), taskSpan.withZero()},
		{"ctx_voluntary", float64(r.CtxVoluntary), countMax}, {"ctx_involuntary", float64(r.CtxInvoluntary), countMax},
		{"threads_peak", float64(r.Threads), taskSpan.withZero()},
		{"runtime.sched_p50_ms", r.Runtime.SchedP50, nonNeg}, {"runtime.sched_p99_ms", r.Runtime.SchedP99, nonNeg},
		{"runtime.gc_pause_p99_ms", r.Runtime.GCPauseP99, nonNeg}, {"runtime.gc_pause_total_ms", r.Runtime.GCPauseTotal, nonNeg},
		{"runtime.gc_cycles", float64(r.Runtime.GCCycles), countMax}, {"runtime.heap_peak_bytes", float64(r.Runtime.HeapPeak), byteSpan},
	} {
		c.num(x.n, x.v, x.b)
	}
	for k, s := range r.Timeline {
		c.num(fmt.Sprintf("timeline[%d].t_ms", k), s.T, nonNeg)
		c.num(fmt.Sprintf("timeline[%d].cores", k), s.Cores, coreSpan)
		c.num(fmt.Sprintf("timeline[%d].rss_bytes", k), float64(s.RSS), byteSpan)
		c.num(fmt.Sprintf("timeline[%d].inflight", k), float64(s.Inflight), taskSpan.withZero())
	}
	for k, p := range r.Series {
		c.num(fmt.Sprintf("series[%d].arrive_ms", k), p.Arrive, nonNeg)
		c.num(fmt.Sprintf("series[%d].latency_ms", k), p.Latency, nonNeg)
	}
	for k, v := range r.Extra {
		c.num("extra."+k, v, anyFinal)
	}
}

func (c *checker) spec(s Spec) {
	c.num("spec.tasks", float64(s.Tasks), taskSpan)
	c.num("spec.config.concurrency", float64(s.Config.Concurrency), taskSpan.withZero())
	c.num("spec.config.gomaxprocs", float64(s.Config.Procs), bound{0, 1 << 16, false})
	c.num("spec.series", float64(s.Series), taskSpan.withZero())
	c.num("spec.sample_ns", float64(s.Sample), nonNeg)
	if c.err == nil {
		if err := s.Params.Validate(); err != nil {
			c.err = fmt.Errorf("%s: spec.params: %v", c.where, err)
		}
	}
	if _, err := ParseLoad(s.Load); err != nil && c.err == nil && strings.HasPrefix(s.Load, "open:") {
		c.err = fmt.Errorf("%s: spec.load: %v", c.where, err)
	}
}

// withZero is b with 0 allowed.
func (b bound) withZero() bound { return bound{0, b.hi, false} }
