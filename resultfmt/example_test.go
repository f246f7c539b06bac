package resultfmt_test

import (
	"fmt"
	"os"
	"path/filepath"

	"concbench/resultfmt"
)

// ReadFile loads a results.json that `concbench sweep` wrote; Summarize
// aggregates one configuration's repeats into median and min..max. A
// reader needs this package alone, not the harness that measured.
func ExampleReadFile() {
	dir, err := os.MkdirTemp("", "results")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	// A results directory with two repeats of one configuration.
	spec := resultfmt.Spec{Model: "eventloop", Workload: "io-sleep", Tasks: 1000, Load: "batch"}
	f := &resultfmt.File{Suite: "example", Complete: true, Trials: []resultfmt.Result{
		{Spec: spec, Repeat: 0, Completed: 1000, Throughput: 95000},
		{Spec: spec, Repeat: 1, Completed: 1000, Throughput: 97000},
	}}
	if err := resultfmt.WriteResults(dir, f); err != nil {
		fmt.Println(err)
		return
	}

	got, err := resultfmt.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := resultfmt.Summarize(got.Trials)
	fmt.Printf("%s/%s: %d repeats, %.0f tasks/s median (%.0f..%.0f)\n",
		s.Spec.Model, s.Spec.Workload, s.Repeats, s.Throughput.Median, s.Throughput.Min, s.Throughput.Max)
	// Output:
	// eventloop/io-sleep: 2 repeats, 96000 tasks/s median (95000..97000)
}
