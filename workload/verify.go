package workload

import (
	"fmt"
	"strings"
	"time"
)

// StepOutput is what step k of task t, correctly executed, contributes to
// the task's result (see proof.go): the CPU digest, the digest of the bytes
// received or read, and 0 for waits. p are the trial's params: its nonce
// (CPU and File outputs) and the key and count of the data files it read
// (File outputs; see MakeFiles).
func StepOutput(t Task, k int, p Params) uint64 {
	return stepOutput(t, k, p.Fill())
}

// stepOutput is StepOutput with p already filled.
func stepOutput(t Task, k int, p Params) uint64 {
	s := t.Steps[k]
	switch s.Kind {
	case CPU:
		return RunCPU(s.Kernel, s.Units, CPUSeed(t.ID, p.Nonce))
	case Net:
		return NetDigest(NetSeed(t.ID, k), s.Size)
	case File:
		return FileDigest(p.Nonce, p.Key, FileIndex(t, p.Files), s.Off, s.Size)
	default:
		return 0
	}
}

// Seed is the CPU kernel seed of a task before the trial's nonce enters it
// (CPUSeed): distinct per task, so a model cannot hand one task's digest
// to another.
func Seed(taskID uint32) uint64 { return uint64(taskID)*0x2545f4914f6cdd1d + 1 }

// Expected recomputes the result a correct model must report for t in a
// trial with params p (its nonce and data key included).
func Expected(t Task, p Params) uint64 {
	return expected(t, p.Fill())
}

func expected(t Task, p Params) uint64 {
	var acc uint64
	for k := range t.Steps {
		acc = Mix(acc, stepOutput(t, k, p))
	}
	return acc
}

// VerifyBudget bounds how many CPU units Check recomputes. Larger trials
// check every task without CPU steps (their Net and File digests are cheap)
// and a deterministic spread of CPU tasks, so verification never costs more
// than a fraction of the trial.
//
// Note: a task's result folds all its step outputs into one number, so the
// Net digests of a mixed task skipped for its CPU cost cannot be checked on
// their own; the server's ledger still covers them.
const VerifyBudget = 1 << 23

// Verification is what Check verified: how many results it compared with
// their expected digest, of how many tasks, and how it sampled.
type Verification struct {
	// Verified is the number of results that matched their expected
	// digest (on failure, those before the first that did not).
	Verified int
	// Tasks is the number of tasks in the trial.
	Tasks int
	// Stride is k when only every k-th task with CPU steps (and the last)
	// was checked, their CPU cost exceeding VerifyBudget; 1 when every
	// result was checked.
	Stride int
	// Planned is how many results Check set out to verify: every task
	// without CPU steps, and the sampled ones with them.
	Planned int
}

// String says what was verified, e.g. "verified 1000 of 1000" or
// "verified 220 of 1000, every 5th CPU result sampled".
func (v Verification) String() string {
	s := fmt.Sprintf("verified %d of %d", v.Verified, v.Tasks)
	if v.Stride > 1 {
		s += fmt.Sprintf(", every %s CPU result sampled", ordinal(v.Stride))
	}
	return s
}

// ordinal spells n as "2nd", "3rd", "11th", "21st".
func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// Check compares every task's reported result with the expected one (p as
// for Expected). A task whose result is wrong (including a dropped task,
// result 0) is an error naming the task and the proofs its result carries.
// It returns what it verified.
func Check(tasks []Task, results []uint64, p Params) (Verification, error) {
	return check(tasks, results, p, VerifyBudget)
}

// check is Check with a budget of CPU units.
func check(tasks []Task, results []uint64, p Params, budget uint64) (Verification, error) {
	v := Verification{Tasks: len(tasks), Stride: 1}
	if len(results) != len(tasks) {
		return v, fmt.Errorf("verify: %d results for %d tasks", len(results), len(tasks))
	}
	p = p.Fill()
	var units uint64
	for _, t := range tasks {
		for _, s := range t.Steps {
			if s.Kind == CPU {
				units += uint64(s.Units)
			}
		}
	}
	if units > budget {
		v.Stride = int(units/budget) + 1
	}
	sampled := func(i int, t Task) bool {
		if v.Stride == 1 || i%v.Stride == 0 || i == len(tasks)-1 {
			return true
		}
		for _, s := range t.Steps {
			if s.Kind == CPU {
				return false
			}
		}
		return true
	}
	for i, t := range tasks {
		if sampled(i, t) {
			v.Planned++
		}
	}
	for i, t := range tasks {
		if !sampled(i, t) {
			continue
		}
		if want := expected(t, p); results[i] != want {
			return v, fmt.Errorf("verify: task %d returned %#x, want %#x (recomputed by the harness with the trial's nonce and data key): the %s of its steps does not match (a model skipped, dropped or corrupted its work, or computed it without the nonce or without reading)", t.ID, results[i], want, proofs(t))
		}
		v.Verified++
	}
	return v, nil
}

// proofs names what a task's result proves, e.g. "net body digest, cpu
// digest, net body digest".
func proofs(t Task) string {
	var names []string
	for _, s := range t.Steps {
		switch s.Kind {
		case CPU:
			names = append(names, "cpu digest")
		case Net:
			names = append(names, "net body digest")
		case File:
			names = append(names, "file bytes digest")
		}
	}
	if len(names) == 0 {
		return "result (0 for waits only)"
	}
	return strings.Join(names, ", ")
}

// MinService is the least service time task t can take when every step
// really runs: the sum of its Sleep and Block durations and, with net set,
// its Net delays (a latency server with the default fixed distribution
// waits exactly the requested delay). Timers never fire early, so a
// shorter service time means a step did not wait.
func MinService(t Task, net bool) time.Duration {
	var d time.Duration
	for _, s := range t.Steps {
		if s.Kind == Sleep || s.Kind == Block || (net && s.Kind == Net) {
			d += s.Dur
		}
	}
	return d
}

// CheckService checks every completed task's service time (end - start,
// ns) against MinService(t, net) minus slack, the model's timer slack
// (timers that may fire up to slack early, as libuv's millisecond timers
// do). A task whose steps waited less is an error naming the task and its
// waits.
func CheckService(tasks []Task, start, end []int64, slack time.Duration, net bool) error {
	var last *Step
	var least time.Duration
	for i, t := range tasks {
		if end[i] == 0 || len(t.Steps) == 0 {
			continue
		}
		if &t.Steps[0] != last {
			// Tasks of a preset share their Steps slice: sum it once.
			last, least = &t.Steps[0], MinService(t, net)
		}
		if least == 0 {
			continue
		}
		if got := time.Duration(end[i] - start[i]); got < least-slack {
			return fmt.Errorf("verify: task %d took %v, less than its %s (%v) minus the model's timer slack %v: a step did not wait", t.ID, got, waits(t, net), least, slack)
		}
	}
	return nil
}

// waits names the waiting steps of t, e.g. "sleep 10ms + block 50ms".
func waits(t Task, net bool) string {
	var parts []string
	for _, s := range t.Steps {
		switch {
		case s.Kind == Sleep || s.Kind == Block:
			parts = append(parts, fmt.Sprintf("%s %v", s.Kind, s.Dur))
		case net && s.Kind == Net:
			parts = append(parts, fmt.Sprintf("net delay %v", s.Dur))
		}
	}
	return strings.Join(parts, " + ")
}

// NetSteps counts the Net steps of the completed tasks (end != 0; nil end
// counts every task): the requests the latency server must have answered.
func NetSteps(tasks []Task, end []int64) int64 {
	var n int64
	for i, t := range tasks {
		if end != nil && end[i] == 0 {
			continue
		}
		for _, s := range t.Steps {
			if s.Kind == Net {
				n++
			}
		}
	}
	return n
}
