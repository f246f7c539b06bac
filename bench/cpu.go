package bench

import (
	"fmt"
	"time"

	"concbench/models"
)

// CPU figures count only CPU spent inside the trial window, by the trial
// process and by the child processes the model registered (tr.AddPID:
// multiproc workers), and they are published only when the window is long
// enough for the clocks behind them.
//
// Note: a worker reaped inside the window brings its whole life into
// RUSAGE_CHILDREN, start-up included (exec, runtime init, hello: about
// 5 ms of CPU per Go worker). Subtracting each live child's CPU clock read
// at the window's start removes that part; it is reported apart as
// Result.StartupCPU. Both readings come from the kernel's per-task
// sum_exec_runtime (rusage totals at µs, the process CPU clock at ns), so
// the difference is exact to a microsecond. Reading the workers' clocks
// again just before they exit was rejected: the model reaps them, and a
// zombie's reading equals what wait4 reports anyway.
//
// Note: the resolution rule. A CPU figure is resolved when the window is
// at least MinCPUWindow and at least 50 times the coarsest CPU source
// used (1 µs for rusage and CPU clocks; 10 ms when only /proc/PID/stat
// ticks are available, which makes the floor 500 ms). The fixed floor is
// there even with exact clocks: the Go runtime's own background work
// (sysmon, which runs without a P, GC workers, the scavenger, thread
// start-up) comes in bursts of up to a few ms, and the kernel splits
// user from sys time by sampling at its tick (4 ms here), so over a 2 ms
// no-op trial the cores figure measures those bursts, not the model
// (sequential at GOMAXPROCS=1 read 1.24-1.31 cores). Below the floor the
// figures stay in the result for inspection but are marked
// (CPUUnresolved) and shown as "–".

// MinCPUWindow is the shortest trial window whose CPU figures are
// published (see the resolution rule above).
const MinCPUWindow = 20 * time.Millisecond

// rusageResolution is the resolution of getrusage's timevals.
const rusageResolution = 1e-6

// cpuMark is a reading of a trial's CPU clocks at one instant.
type cpuMark struct {
	self, child usage
	// live maps each live registered child process to its CPU seconds.
	live map[int]float64
	// res is the coarsest resolution among the readings, seconds.
	res float64
}

// markCPU reads the trial process's and its reaped children's rusage and
// the CPU clock of every live child process registered with tr.
func markCPU(tr *models.Trial) cpuMark {
	m := cpuMark{self: selfUsage(), child: childUsage(), live: map[int]float64{}, res: rusageResolution}
	for _, pid := range tr.LivePIDs() {
		if v, res, ok := pidCPU(pid); ok {
			m.live[pid] = v
			m.res = max(m.res, res)
		}
	}
	return m
}

// cpuSpan is the CPU a trial used between two marks.
type cpuSpan struct {
	user, sys float64
	// startup is CPU the children reaped in the span had used before it
	// began, already taken out of user and sys.
	startup      float64
	nvcsw, nivcs int64
	res          float64
}

// since returns the CPU used from a to m. Children reaped in between
// count from a on (their rusage minus their reading at a); children still
// alive at m count their clock's advance; children that started and were
// reaped in between count whole.
func (m cpuMark) since(a cpuMark) cpuSpan {
	s := cpuSpan{
		user:  m.self.user - a.self.user,
		sys:   m.self.sys - a.self.sys,
		nvcsw: (m.self.nvcsw - a.self.nvcsw) + (m.child.nvcsw - a.child.nvcsw),
		nivcs: (m.self.nivcs - a.self.nivcs) + (m.child.nivcs - a.child.nivcs),
		res:   max(m.res, a.res),
	}
	cu, cs := m.child.user-a.child.user, m.child.sys-a.child.sys
	for pid, before := range a.live {
		if _, alive := m.live[pid]; !alive {
			s.startup += before
		}
	}
	// The reaped children's rusage does not say how their CPU before a
	// divides into user and sys; take the start-up out in proportion.
	if total := cu + cs; total > 0 {
		keep := max(0, total-s.startup) / total
		cu, cs = cu*keep, cs*keep
	}
	s.user += cu
	s.sys += cs
	for pid, now := range m.live {
		// Live children: user/sys split unknown from the clock; count it
		// as user time (a worker's sys time shows once it is reaped).
		s.user += max(0, now-a.live[pid])
	}
	return s
}

// cpuUnresolved applies the resolution rule: it returns why CPU figures
// over window, read with clocks of resolution res seconds, cannot be
// published, or "" when they can.
func cpuUnresolved(window time.Duration, res float64) string {
	need := max(MinCPUWindow, time.Duration(50*res*1e9))
	if window >= need {
		return ""
	}
	return fmt.Sprintf("window %v is shorter than %v (50 x the CPU clock's %v resolution, at least %v)",
		window.Round(time.Microsecond), need, time.Duration(res*1e9), MinCPUWindow)
}

// cpuAllowance is the most cores a resolved trial may show against bound:
// 5% for the window's edges and the clock's resolution on top.
func cpuAllowance(r *Result, bound float64) float64 {
	return bound*1.05 + 50*r.CPUResolution/r.Window
}
