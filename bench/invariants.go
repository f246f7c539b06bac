package bench

import (
	"fmt"
	"math"
	"runtime"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// Check is one invariant checked after a trial (resultfmt.Check).
type Check = resultfmt.Check

// Invariant tolerances (DESIGN §5b).
const (
	// LittleTolerance bounds |L/C - 1| under a closed load.
	LittleTolerance = 0.10
	// RateTolerance bounds |achieved/offered - 1| of an open load's
	// arrival rate.
	RateTolerance = 0.02
)

// trialFacts is what the invariants need beyond the Result: the tasks,
// their load and the per-task timestamps, whether verification (and the
// step proofs) passed, whether the latency server was the trial's own
// (a remote one serves others too and its delays are its own), and how
// early the model's timers may fire.
type trialFacts struct {
	tasks     []workload.Task
	load      models.Load
	rec       *models.Recorder
	verifyErr error
	verified  workload.Verification
	cores     int
	ownServer bool
	slack     time.Duration
}

// checkInvariants runs every invariant that applies to the trial and
// records each in res.Invariants.
func checkInvariants(res *Result, f trialFacts) {
	for _, inv := range []func(*Result, trialFacts) (Check, bool){
		checkVerified, checkLittle, checkCPU, checkServerRequests,
		checkOpenRate, checkLatencyFloor, checkMakespanFloor,
	} {
		if c, ok := inv(res, f); ok {
			res.SetCheck(c)
		}
	}
}

// VerifyEvidence names the evidence of the verified invariant.
const VerifyEvidence = "digests recomputed with the trial's nonce and data key"

// checkVerified: every task completed and every result checked matched
// the digest the harness recomputed with the trial's nonce and data key
// (CPU tasks beyond the verify budget are sampled, see workload.Check).
// The value is the number of results verified; the bound, how many the
// check set out to verify.
func checkVerified(res *Result, f trialFacts) (Check, bool) {
	v := f.verified
	ok := res.Completed == int64(res.Tasks) && f.verifyErr == nil && v.Verified > 0 && v.Verified == v.Planned
	d := fmt.Sprintf("%d of %d tasks completed; %s against digests recomputed with the trial's nonce", res.Completed, res.Tasks, v)
	if f.verifyErr != nil {
		d += ": " + f.verifyErr.Error()
	}
	return Check{Name: "verified", OK: ok, Value: float64(v.Verified), Bound: float64(v.Planned), Evidence: VerifyEvidence, Detail: d}, true
}

// checkLittle: under a closed load of C clients each client has exactly
// one task in the system from t=0 until the last arrival (its next task
// arrives the instant its previous one completes), so the mean number in
// the system over that span, L = sum of each task's time in the system
// within it / its length (Little's law, L = λW, on the window), is C. A
// late arrival stamp hides client wait and shows as L < C.
func checkLittle(res *Result, f trialFacts) (Check, bool) {
	if f.load.Shape != models.Closed || res.Completed != int64(res.Tasks) || f.rec == nil {
		return Check{}, false
	}
	c := min(f.load.Clients, len(f.tasks))
	var horizon int64
	for _, a := range f.rec.Arrive {
		horizon = max(horizon, a)
	}
	if horizon <= 0 {
		return Check{}, false // every task arrived at once: nothing to check
	}
	var inSystem float64
	for i, a := range f.rec.Arrive {
		if a < horizon {
			inSystem += float64(min(f.rec.End[i], horizon) - a)
		}
	}
	ratio := inSystem / float64(horizon) / float64(c)
	return Check{Name: "littles-law", OK: math.Abs(ratio-1) <= LittleTolerance, Value: ratio, Bound: 1,
		Detail: fmt.Sprintf("mean tasks in the system until the last arrival / clients = %.3f (want 1 ± %.0f%%); whole trial mean latency x throughput / C = %.3f",
			ratio, LittleTolerance*100, res.Latency.Mean/1e3*res.Throughput/float64(c))}, true
}

// checkCPU: CPU cores never exceed what the model may use (CPUBound:
// GOMAXPROCS plus its worker processes, at most the machine's cores),
// within the clock's resolution. Threads blocked in a read(2) run without
// a P, so for workloads with File steps the bound is the machine's cores.
// A window too short to resolve CPU is not checked.
func checkCPU(res *Result, f trialFacts) (Check, bool) {
	if res.CPUUnresolved != "" || res.Window <= 0 {
		return Check{}, false
	}
	bound, why := CPUBound(res, f.cores), "GOMAXPROCS and worker processes"
	if hasKind(f.tasks, workload.File) || bound == float64(f.cores) {
		bound, why = float64(f.cores), "the machine's cores"
	}
	limit := cpuAllowance(res, bound)
	return Check{Name: "cpu-cores", OK: res.CPUCores <= limit, Value: res.CPUCores, Bound: bound,
		Detail: fmt.Sprintf("%.2f cores used; %s allow %.0f (%.2f with the clock's resolution and the window's edges)", res.CPUCores, why, bound, limit)}, true
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

// checkServerRequests: the trial's own latency server answered exactly
// one request per Net step the completed tasks ran (a remote server's
// count includes other clients: not checked).
func checkServerRequests(res *Result, f trialFacts) (Check, bool) {
	if !f.ownServer || !hasKind(f.tasks, workload.Net) || res.Completed != int64(res.Tasks) || f.rec == nil {
		return Check{}, false
	}
	want := workload.NetSteps(f.tasks, f.rec.End)
	return Check{Name: "server-requests", OK: res.ServerRequests == want, Value: float64(res.ServerRequests), Bound: float64(want),
		Detail: fmt.Sprintf("the latency server answered %d requests for %d Net steps", res.ServerRequests, want)}, true
}

// checkOpenRate: an open load's recorded arrivals achieve the offered
// rate (the harness's schedule, fixed or Poisson) within RateTolerance. A
// model that stamps arrivals when it gets round to them (coordinated
// omission) stretches them and fails.
func checkOpenRate(res *Result, f trialFacts) (Check, bool) {
	n := len(f.load.Arrivals)
	if f.load.Shape != models.Open || n < 2 || f.rec == nil || res.Completed != int64(res.Tasks) {
		return Check{}, false
	}
	offered := float64(n-1) / (float64(f.load.Arrivals[n-1]-f.load.Arrivals[0]) / 1e9)
	first, last := f.rec.Arrive[0], f.rec.Arrive[0]
	for _, a := range f.rec.Arrive {
		first, last = min(first, a), max(last, a)
	}
	if last <= first {
		return Check{Name: "open-rate", OK: false, Value: math.Inf(1), Bound: offered,
			Detail: fmt.Sprintf("all %d arrivals recorded at one instant; offered %.1f/s", n, offered)}, true
	}
	achieved := float64(n-1) / (float64(last-first) / 1e9)
	return Check{Name: "open-rate", OK: math.Abs(achieved/offered-1) <= RateTolerance, Value: achieved, Bound: offered,
		Detail: fmt.Sprintf("arrivals recorded at %.1f/s for %.1f/s offered (want within %.0f%%)", achieved, offered, RateTolerance*100)}, true
}

// minStepTime is the least time task t can take (workload.MinService:
// its Sleep and Block steps, and its Net delays when the server is the
// trial's own), less the model's timer slack, in ns.
func minStepTime(t workload.Task, f trialFacts) int64 {
	return int64(max(0, workload.MinService(t, f.ownServer)-f.slack))
}

// checkLatencyFloor: no task's latency is shorter than its own timed
// steps (a model that skips a wait, or a clock read out of order, fails).
func checkLatencyFloor(res *Result, f trialFacts) (Check, bool) {
	if f.rec == nil {
		return Check{}, false
	}
	worst, worstTask, checked := math.Inf(1), -1, 0
	for i, t := range f.tasks {
		need := minStepTime(t, f)
		if need == 0 || f.rec.End[i] == 0 {
			continue
		}
		checked++
		if slack := float64(f.rec.End[i]-f.rec.Arrive[i]-need) / 1e6; slack < worst {
			worst, worstTask = slack, i
		}
	}
	if checked == 0 {
		return Check{}, false
	}
	t := f.tasks[worstTask]
	return Check{Name: "latency-floor", OK: worst >= 0, Value: worst, Bound: 0,
		Detail: fmt.Sprintf("least latency - own step time over %d tasks: %.3f ms (task %d, steps %v)", checked, worst, t.ID, t.Steps)}, true
}

// checkMakespanFloor: a batch cannot finish before ceil(N/c) waits of its
// shortest task's timed steps, c being the model's concurrency (all N when
// unlimited), nor before its longest task's timed steps.
func checkMakespanFloor(res *Result, f trialFacts) (Check, bool) {
	if f.load.Shape != models.Batch || res.Completed != int64(res.Tasks) || len(f.tasks) == 0 {
		return Check{}, false
	}
	shortest, longest := int64(math.MaxInt64), int64(0)
	for _, t := range f.tasks {
		d := minStepTime(t, f)
		shortest, longest = min(shortest, d), max(longest, d)
	}
	if longest == 0 {
		return Check{}, false
	}
	n := len(f.tasks)
	c := res.Config.Concurrency
	if c <= 0 || c > n {
		c = n
	}
	waits := (n + c - 1) / c
	bound := max(float64(waits)*float64(shortest), float64(longest)) / 1e9
	return Check{Name: "makespan-floor", OK: res.Makespan >= bound, Value: res.Makespan, Bound: bound,
		Detail: fmt.Sprintf("makespan %.4f s; %d tasks at concurrency %d need at least ceil(N/c) = %d waits of %v = %.4f s", res.Makespan, n, c, waits, time.Duration(shortest), bound)}, true
}

// machineCores is the CPU count the CPU invariant bounds by.
func machineCores() int { return runtime.NumCPU() }

// ViolationNotes returns one line per invariant r violated, naming the
// trial, the invariant and what was measured: a bug in the tool or a
// broken machine, never a finding.
func ViolationNotes(r Result) []string {
	var out []string
	for _, c := range r.Violations() {
		out = append(out, fmt.Sprintf("invariant %s violated in %s (repeat %d): %s", c.Name, r.Spec.Name(), r.Repeat, c.Detail))
	}
	return out
}
