package bench

import (
	"fmt"
	"runtime"

	"concbench/resultfmt"
	"concbench/workload"
)

// The invariants whose evidence is the kernel's counters of the trial's
// process tree: CPU time and bytes read.

// checkCPU: the kernel's CPU time of the process tree, in cores over the
// window, stays within the model's declared parallelism (GOMAXPROCS,
// worker processes, file-read threads where File steps run), within the
// clock's resolution. A window too short to resolve CPU is not checked.
func checkCPU(res *Result, f trialFacts) (Check, bool) {
	if res.CPUUnresolved != "" || res.Window <= 0 || f.parallel <= 0 {
		return Check{}, false
	}
	bound := float64(f.parallel)
	limit := cpuAllowance(res, bound)
	return Check{Name: "cpu-cores", OK: res.CPUCores <= limit, Value: res.CPUCores, Bound: bound, Evidence: resultfmt.EvidenceKernel,
		Detail: fmt.Sprintf("%.2f cores used over %s; the model declares %.0f threads (GOMAXPROCS %d, %d worker processes%s; %.2f with the clock's resolution and the window's edges)",
			res.CPUCores, taskSpan(f.tasks), bound, res.Config.Procs, res.Workers, fileNote(f), limit)}, true
}

func fileNote(f trialFacts) string {
	if !hasKind(f.tasks, workload.File) {
		return ""
	}
	return ", file-read threads"
}

// checkCPUSeconds: the kernel's CPU time of the process tree covers the
// CPU floors of the completed tasks (CPUFloorFactor of their calibrated
// cost): a model that computes fewer units, or computed before the clock,
// used less.
func checkCPUSeconds(res *Result, f trialFacts) (Check, bool) {
	if f.rec == nil {
		return Check{}, false
	}
	var need int64
	for i, d := range f.floors.cpu {
		if f.rec.End[i] != 0 {
			need += d
		}
	}
	if need < int64(MinCPUFloor) || float64(need)/1e9 < 50*res.CPUResolution {
		return Check{}, false
	}
	used := res.CPUUser + res.CPUSys
	lag := float64(min(max(1, f.parallel), runtime.NumCPU())) * CPUTickAllowance.Seconds()
	return Check{Name: "cpu-seconds", OK: used+lag >= float64(need)/1e9, Value: used, Bound: float64(need) / 1e9, Evidence: resultfmt.EvidenceKernel,
		Detail: fmt.Sprintf("the process tree used %.4f CPU s (+%.3f s its counters may lag); the CPU steps of the completed %s cost at least %.4f s (%.0f%% of their calibrated cost)",
			used, lag, taskSpan(f.tasks), float64(need)/1e9, CPUFloorFactor*100)}, true
}

// checkBytesRead: the bytes the process tree read (/proc/PID/io rchar,
// page cache or O_DIRECT) cover the completed tasks' File steps.
func checkBytesRead(res *Result, f trialFacts) (Check, bool) {
	if f.rec == nil || !f.charsOK || !hasKind(f.tasks, workload.File) {
		return Check{}, false
	}
	want := fileBytes(f.tasks, f.rec.End)
	if want == 0 {
		return Check{}, false
	}
	return Check{Name: "bytes-read", OK: f.chars >= want, Value: float64(f.chars), Bound: float64(want), Evidence: resultfmt.EvidenceKernel,
		Detail: fmt.Sprintf("the process tree read %d bytes; the File steps of the completed %s read %d", f.chars, taskSpan(f.tasks), want)}, true
}
