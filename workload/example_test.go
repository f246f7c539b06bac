package workload_test

import (
	"fmt"
	"time"

	"concbench/workload"
)

// Build makes a preset's task list: every model runs exactly these steps.
func ExampleBuild() {
	tasks, err := workload.Build("mixed", 2, workload.DefaultParams)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range tasks {
		fmt.Println(t.ID, t.Steps)
	}
	// Output:
	// 0 [net(5ms, 1024B) cpu(sha256 x1000) net(5ms, 1024B)]
	// 1 [net(5ms, 1024B) cpu(sha256 x1000) net(5ms, 1024B)]
}

// A task is plain data: an id and an ordered list of steps, so a workload
// of one's own is a slice of Tasks.
func ExampleTask() {
	t := workload.Task{ID: 7, Steps: []workload.Step{
		workload.SleepStep(10 * time.Millisecond),
		workload.CPUStep(workload.SHA256, 500),
		workload.BlockStep(time.Millisecond),
	}}
	for _, s := range t.Steps {
		fmt.Println(s.Kind, s)
	}
	// Output:
	// sleep sleep(10ms)
	// cpu cpu(sha256 x500)
	// block block(1ms)
}
