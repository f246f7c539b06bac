package bench

import (
	"os"
	"strconv"
	"strings"
	"time"

	"concbench/workload"
)

// EnvSlowdown injects a known regression into one model, to prove that
// `concbench compare` finds it (README "Comparing runs"):
// "MODEL:FRACTION" (e.g. "pool:0.2") makes every task of MODEL's trials do
// FRACTION more of its work: a Sleep step of FRACTION of its sleeps and
// Net delays, a Block step of FRACTION of its blocks, and a CPU step of
// FRACTION of its CPU units, appended to its steps (no-op and file-read
// tasks are unchanged). The steps are real, so every proof still holds.
//
// Only a test build honours it (see slowdownsEnabled): the binary users
// run ignores the variable, so no test hook is live in a release build.
const EnvSlowdown = "CONCBENCH_TEST_SLOWDOWN"

// slowdownsEnabled arms EnvSlowdown. It is set only by this package's
// tests (slowdown_enable_test.go, compiled into the test binary that trial
// children re-execute) and by binaries built with the slowdown tag
// (slowdown_tag.go: `go build -tags slowdown ./cmd/concbench`).
var slowdownsEnabled bool

// slowdownFor is the fraction by which EnvSlowdown slows model's tasks: 0
// unless armed, named and valid (a fraction in (0, 10]).
func slowdownFor(model string) float64 {
	if !slowdownsEnabled {
		return 0
	}
	name, frac, ok := strings.Cut(os.Getenv(EnvSlowdown), ":")
	f, err := strconv.ParseFloat(frac, 64)
	if !ok || name != model || err != nil || !(f > 0 && f <= 10) {
		return 0
	}
	return f
}

// slowTasks returns tasks with each one's work grown by the fraction f
// (see EnvSlowdown); tasks itself is not changed.
func slowTasks(tasks []workload.Task, f float64) []workload.Task {
	if f <= 0 {
		return tasks
	}
	out := make([]workload.Task, len(tasks))
	// Tasks of one preset share their Steps slice: grow each slice once.
	grown := map[*workload.Step][]workload.Step{}
	for i, t := range tasks {
		out[i] = t
		if len(t.Steps) == 0 {
			continue
		}
		if g, ok := grown[&t.Steps[0]]; ok {
			out[i].Steps = g
			continue
		}
		g := growSteps(t.Steps, f)
		grown[&t.Steps[0]] = g
		out[i].Steps = g
	}
	return out
}

// growSteps appends to steps the extra work of the fraction f of them.
func growSteps(steps []workload.Step, f float64) []workload.Step {
	var wait, block time.Duration
	var units uint64
	kernel := workload.Kernel(0)
	for _, s := range steps {
		switch s.Kind {
		case workload.Sleep, workload.Net:
			wait += s.Dur
		case workload.Block:
			block += s.Dur
		case workload.CPU:
			units += uint64(s.Units)
			kernel = s.Kernel
		}
	}
	out := append([]workload.Step{}, steps...)
	if d := time.Duration(f * float64(wait)); d > 0 {
		out = append(out, workload.SleepStep(d))
	}
	if d := time.Duration(f * float64(block)); d > 0 {
		out = append(out, workload.BlockStep(d))
	}
	if u := uint32(f * float64(units)); u > 0 {
		out = append(out, workload.CPUStep(kernel, u))
	}
	return out
}
