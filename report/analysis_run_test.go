package report

import (
	"strings"
	"testing"

	"concbench/resultfmt"
)

// runFile is what one `concbench run` of every model records: a batch of
// tasks per model with its resolved concurrency, service time and CPU use.
func runFile(workload string, cores map[string]float64, makespan map[string]float64) *resultfmt.File {
	conc := map[string]int{"sequential": 1, "eventloop": 0, "goroutines": 0, "pool": 32, "multiproc": 2}
	f := &resultfmt.File{Meta: resultfmt.Meta{Cores: 2}}
	cpuSteps := int64(0)
	if workload == "cpu-hash" {
		cpuSteps = 1
	}
	for _, m := range []string{"sequential", "eventloop", "goroutines", "pool", "multiproc"} {
		spec := resultfmt.Spec{Model: m, Workload: workload, Tasks: 1000, Load: "batch"}
		f.Trials = append(f.Trials, resultfmt.Result{Spec: spec, Config: resultfmt.Config{Concurrency: conc[m]}, Completed: 1000,
			Makespan: makespan[m], CPUCores: cores[m], Service: resultfmt.Dist{Mean: 10}, PeakCPUSteps: cpuSteps})
	}
	return f
}

func TestRunFindings(t *testing.T) {
	cpu := RunFindings(runFile("cpu-hash",
		map[string]float64{"sequential": 1.0, "eventloop": 1.01, "goroutines": 1.96, "pool": 1.95, "multiproc": 1.9},
		map[string]float64{"sequential": 10, "eventloop": 10, "goroutines": 5.1, "pool": 5.1, "multiproc": 5.2}))
	if len(cpu) != 2 || !strings.Contains(cpu[0].Text, "sequential 1.00, eventloop 1.01: no CPU parallelism; goroutines 1.96, pool 1.95, multiproc 1.90 of the 2: in parallel") {
		t.Errorf("cpu-hash findings: %+v", cpu)
	}
	// multiproc's 2 workers bound it (1000/2 x 10 ms = 5 s); the pool's 32
	// do not (its bound 0.32 s is far from its 5.1 s, CPU is the limit).
	if !strings.Contains(cpu[1].Text, "multiproc is bounded by its 2 workers: 1000/2 x 10.00 ms = 5.000 s (measured 5.200 s)") || strings.Contains(cpu[1].Text, "pool") {
		t.Errorf("bound finding: %+v", cpu[1])
	}
	io := RunFindings(runFile("io-sleep",
		map[string]float64{"sequential": 0.02, "eventloop": 0.1, "goroutines": 0.5, "pool": 0.03, "multiproc": 0.16},
		map[string]float64{"sequential": 10.4, "eventloop": 0.01, "goroutines": 0.013, "pool": 0.335, "multiproc": 5.2}))
	if len(io) != 1 || !strings.Contains(io[0].Text, "pool is bounded by its 32 workers: 1000/32 x 10.00 ms = 0.320 s (measured 0.335 s); multiproc is bounded by its 2 workers") ||
		strings.Contains(io[0].Text, "sequential") || strings.Contains(io[0].Text, "CPU used") {
		t.Errorf("io-sleep findings (no CPU line, no trivial sequential bound): %+v", io)
	}
	// A waiting workload that keeps a runtime busy (its own threads: GC,
	// timers) but runs no CPU step says nothing about CPU parallelism.
	busy := RunFindings(runFile("io-sleep",
		map[string]float64{"sequential": 1.0, "eventloop": 1.5, "goroutines": 1.2, "pool": 1.0, "multiproc": 1.0},
		map[string]float64{"sequential": 10.4, "eventloop": 0.07, "goroutines": 0.013, "pool": 0.335, "multiproc": 5.2}))
	for _, f := range busy {
		if strings.Contains(f.Text, "CPU used") {
			t.Errorf("CPU line on a workload without CPU steps: %s", f.Text)
		}
	}
}
