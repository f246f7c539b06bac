package models

import (
	"context"
	"sync"

	"concbench/workload"
)

// TaskBody runs released task i of tr with ex on its own goroutine; when
// the task is done it frees its slot (a receive from sem, when sem is not
// nil) and calls wg.Done.
type TaskBody func(tr *Trial, ex *workload.Exec, i int, sem chan struct{}, wg *sync.WaitGroup)

// RunPerTask is the task-per-goroutine skeleton the goroutines and threads
// models share: it feeds tr's tasks by its load, starting body on a new
// goroutine for each released task, at most limit at once (0 = unlimited;
// with a limit the feeder waits for a free slot, and the wait counts in
// latency), waits for them all and returns the first task failure, the
// feeder's error or ctx's cause. The go statement takes a function value
// and copies its arguments to the new stack, so no closure is allocated per
// task.
func RunPerTask(ctx context.Context, tr *Trial, ex *workload.Exec, limit int, body TaskBody) error {
	var wg sync.WaitGroup
	var sem chan struct{}
	if limit > 0 {
		sem = make(chan struct{}, limit)
	}
	done := tr.Context().Done()
	ferr := tr.Feed(func(i int) {
		if sem != nil {
			select {
			case sem <- struct{}{}:
			case <-done:
				return
			}
		}
		wg.Add(1)
		go body(tr, ex, i, sem, &wg)
	})
	wg.Wait()
	if err := tr.Err(); err != nil {
		return err
	}
	if ferr != nil {
		return ferr
	}
	return context.Cause(ctx)
}
