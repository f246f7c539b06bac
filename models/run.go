package models

import (
	"fmt"

	"concbench/workload"
)

// RunBlocking executes task i to completion on the calling goroutine with
// blocking calls, recording start, end, result, CPU-step overlap and (when
// tracking) thread ids. It reports whether the task succeeded; on failure
// the trial has been failed with an error naming the task and step. It
// returns false without running anything once the trial has stopped.
func (tr *Trial) RunBlocking(ex *workload.Exec, i int) bool {
	if tr.stopped.Load() {
		return false
	}
	t := tr.Tasks[i]
	r := tr.Rec
	tr.Begin(i)
	var acc uint64
	nonce := tr.nonce
	for k, s := range t.Steps {
		if r.Tids != nil {
			r.Thread(i, Gettid())
		}
		if s.Kind == workload.CPU {
			r.CPUEnter()
		}
		out, err := ex.Step(tr.ctx, t, k, nonce)
		if s.Kind == workload.CPU {
			r.CPUExit()
		}
		if err != nil {
			tr.Fail(i, StepError(k, s, err))
			return false
		}
		acc = workload.Mix(acc, out)
	}
	tr.Finish(i, acc)
	return true
}

// StepError names the failing step of a task.
func StepError(k int, s workload.Step, err error) error {
	return fmt.Errorf("step %d %v: %w", k, s, err)
}
