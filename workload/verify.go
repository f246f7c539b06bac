package workload

import "fmt"

// StepOutput is what a correctly executed step contributes to its task's
// result: the CPU digest, the bytes received or read, and 0 for waits.
// Models call it only through their executors; Expected uses it to check.
func StepOutput(s Step, taskID uint32) uint64 {
	switch s.Kind {
	case CPU:
		return RunCPU(s.Kernel, s.Units, Seed(taskID))
	case Net, File:
		return uint64(s.Size)
	default:
		return 0
	}
}

// Seed is the CPU kernel seed of a task: distinct per task, so a model
// cannot hand one task's digest to another.
func Seed(taskID uint32) uint64 { return uint64(taskID)*0x2545f4914f6cdd1d + 1 }

// Expected recomputes the result a correct model must report for t.
func Expected(t Task) uint64 {
	var acc uint64
	for _, s := range t.Steps {
		acc = Mix(acc, StepOutput(s, t.ID))
	}
	return acc
}

// VerifyBudget bounds how many CPU units Check recomputes. Larger trials
// check every non-CPU task and a deterministic spread of CPU tasks, so
// verification never costs more than a fraction of the trial.
const VerifyBudget = 1 << 23

// Check compares every task's reported result with the expected one. A task
// whose result is wrong (including a dropped task, result 0) is an error
// naming the task. It returns how many tasks it checked.
func Check(tasks []Task, results []uint64) (checked int, err error) {
	if len(results) != len(tasks) {
		return 0, fmt.Errorf("verify: %d results for %d tasks", len(results), len(tasks))
	}
	var units uint64
	for _, t := range tasks {
		for _, s := range t.Steps {
			if s.Kind == CPU {
				units += uint64(s.Units)
			}
		}
	}
	stride := 1
	if units > VerifyBudget {
		stride = int(units/VerifyBudget) + 1
	}
	for i, t := range tasks {
		hasCPU := false
		for _, s := range t.Steps {
			hasCPU = hasCPU || s.Kind == CPU
		}
		if hasCPU && stride > 1 && i%stride != 0 && i != len(tasks)-1 {
			continue
		}
		if want := Expected(t); results[i] != want {
			return checked, fmt.Errorf("verify: task %d returned %#x, want %#x (a model dropped or corrupted its result)", t.ID, results[i], want)
		}
		checked++
	}
	return checked, nil
}
