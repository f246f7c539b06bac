package bench

import (
	"fmt"
	"runtime"
	"time"

	"concbench/models"
	"concbench/workload"
)

// Floors and counters: evidence the harness has of a trial before and
// around it, which no model writes (README, "How a trial is measured").
//
// Note: the CPU floor. Each CPU kernel the trial uses is timed in the
// trial process before the model is made (best of 5 probes of 200 units
// on one locked thread, by the thread's CPU clock, so other processes
// preempting it do not inflate the cost: a py-processes pool starting up
// beside a wall-clock probe once made it 24x too dear). A CPU step of u units
// then costs at least u x that cost x CPUFloorFactor of CPU time, and as
// much wall time within its task. The factor takes in what can make the
// same work cheaper in the trial than in the probe: a warmer cache, a
// higher clock; no runtime computes the kernels with less than half the
// work (Python and Node.js call the same native SHA-256, with an
// interpreter around it).

// CPUFloorFactor is the share of the calibrated cost of a CPU step that
// counts as its floor, in time and in kernel CPU seconds.
const CPUFloorFactor = 0.5

// calibrateCPU measures the cost of one unit of each kernel the tasks use,
// in ns, on a locked thread.
func calibrateCPU(tasks []workload.Task) map[workload.Kernel]float64 {
	var costs map[workload.Kernel]float64
	var last *workload.Step
	for _, t := range tasks {
		if len(t.Steps) == 0 || &t.Steps[0] == last {
			continue // tasks of a preset share their Steps slice
		}
		last = &t.Steps[0]
		for _, s := range t.Steps {
			if s.Kind != workload.CPU {
				continue
			}
			if _, ok := costs[s.Kernel]; !ok {
				if costs == nil {
					costs = map[workload.Kernel]float64{}
				}
				costs[s.Kernel] = unitCost(s.Kernel)
			}
		}
	}
	return costs
}

// unitCost is the least time of 5 probes of kernel k, per unit, in ns.
func unitCost(k workload.Kernel) float64 {
	const probe = 200
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	workload.RunCPU(k, probe, 1) // warm up
	best := time.Duration(1<<63 - 1)
	for i := range 5 {
		t := threadCPU()
		workload.RunCPU(k, probe, uint64(i))
		best = min(best, threadCPU()-t)
	}
	return float64(best) / probe
}

// floors holds each task's floor (ns): its timed waits (Sleep, Block, and
// Net delays with the trial's own server) less the model's timer slack,
// plus CPUFloorFactor of its CPU steps' calibrated cost; and the CPU part
// alone.
type floors struct {
	task, cpu []int64
}

// taskFloors computes every task's floor from the task list.
func taskFloors(tasks []workload.Task, costs map[workload.Kernel]float64, ownServer bool, slack time.Duration) floors {
	f := floors{task: make([]int64, len(tasks)), cpu: make([]int64, len(tasks))}
	var last *workload.Step
	var wait, cpu int64
	for i, t := range tasks {
		if len(t.Steps) > 0 && &t.Steps[0] != last {
			last = &t.Steps[0]
			wait = int64(max(0, workload.MinService(t, ownServer)-slack))
			cpu = 0
			for _, s := range t.Steps {
				if s.Kind == workload.CPU {
					cpu += int64(float64(s.Units) * costs[s.Kernel] * CPUFloorFactor)
				}
			}
		} else if len(t.Steps) == 0 {
			wait, cpu = 0, 0
		}
		f.task[i], f.cpu[i] = wait+cpu, cpu
	}
	return f
}

// fileBytes sums the File steps' sizes of the completed tasks.
func fileBytes(tasks []workload.Task, end []int64) int64 {
	var n int64
	for i, t := range tasks {
		if end[i] == 0 {
			continue
		}
		for _, s := range t.Steps {
			if s.Kind == workload.File {
				n += s.Size
			}
		}
	}
	return n
}

// charsMark reads the bytes read so far by this process (its reaped
// children included) and by its live registered children, and whether
// every reading worked.
func charsMark(tr *models.Trial) (int64, bool) {
	n, ok := readChars(0)
	for _, pid := range tr.LivePIDs() {
		v, vok := readChars(pid)
		n += v
		ok = ok && vok
	}
	return n, ok
}

// parallelism is the most threads the model may keep busy at once, by
// what it says it is: GOMAXPROCS, plus one per worker process, plus its
// file-read threads when the tasks read files (models.Info.FileThreads;
// one per task in flight when it does not say).
func parallelism(info models.Info, cfg models.Config, workers int, files bool, n int) int {
	p := cfg.Procs + workers
	if files {
		switch {
		case info.FileThreads != nil:
			p += info.FileThreads(cfg)
		case cfg.Concurrency > 0 && cfg.Concurrency < n:
			p += cfg.Concurrency
		default:
			p += n
		}
	}
	return p
}

// taskSpan names a trial's tasks, e.g. "task 3" or "tasks 0 to 99".
func taskSpan(tasks []workload.Task) string {
	switch len(tasks) {
	case 0:
		return "no task"
	case 1:
		return fmt.Sprintf("task %d", tasks[0].ID)
	}
	return fmt.Sprintf("tasks %d to %d", tasks[0].ID, tasks[len(tasks)-1].ID)
}

// hasKind reports whether any task has a step of kind k.
func hasKind(tasks []workload.Task, k workload.Kind) bool {
	for _, t := range tasks {
		for _, s := range t.Steps {
			if s.Kind == k {
				return true
			}
		}
	}
	return false
}
