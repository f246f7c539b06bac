package workload

import (
	"crypto/rand"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
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

// SampleSize is how many results with CPU or File steps Check verifies
// when verifying them all would cost more than FullCheckBudget: a uniform
// random sample drawn after the model returned its results, from
// crypto/rand in the harness, so no model can know which of its results
// will be recomputed. A model that skipped or faked a fraction f of N such
// results escapes with probability C(N-fN, n)/C(N, n) <= (1-f)^n: with
// n = 32, skipping 10% is caught with probability >= 96%, 20% with
// >= 99.9%, 5% with >= 80% (Verification.String states the exact figure
// for the trial). 32 keeps the sample's cost within a few percent of the
// window for the suites' smallest CPU trials (100 to 150 tasks).
const SampleSize = 32

// FullCheckBudget bounds the cost, in sha256 CPU units (a spin unit counts
// 8, a File step of b bytes 2 + b/512, about what recomputing each costs), of
// verifying every result with CPU or File steps: about 10 ms on one core.
// Beyond it Check verifies SampleSize of them, at random.
//
// Tasks with neither CPU nor File steps are always checked (their Net
// digests are cheap). A task's result folds all its step outputs into one
// number, so the Net digests of a mixed task left out of the sample
// cannot be checked on their own; the server's ledger still covers them.
const FullCheckBudget = 1 << 14

// DetectPercent is the fraction of skipped results Verification.String
// states the detection probability for: 10%.
const DetectPercent = 10

// Verification is what Check verified: how many results it compared with
// their expected digest, of how many tasks, and how it sampled.
type Verification struct {
	// Verified is the number of results that matched their expected
	// digest (on failure, those before the first that did not, in task
	// order).
	Verified int
	// Tasks is the number of tasks in the trial.
	Tasks int
	// Costly is the number of tasks with CPU or File steps; Sampled, how
	// many of them were checked: all of them (Sampled == Costly) or a
	// random sample of SampleSize.
	Costly, Sampled int
	// Planned is how many results Check set out to verify: every task
	// without CPU or File steps, and the sampled ones with them.
	Planned int
}

// Random reports whether only a random sample of the costly results was
// checked.
func (v Verification) Random() bool { return v.Sampled < v.Costly }

// Detection is the probability that the sample held at least one of the
// results of a model that skipped (or faked) the fraction f of the costly
// ones: 1 - C(N-m, n)/C(N, n), m = ceil(f N), N = Costly, n = Sampled
// (1 when every result was checked and m > 0).
func (v Verification) Detection(f float64) float64 {
	n, N := v.Sampled, v.Costly
	m := int(math.Ceil(f * float64(N)))
	if m == 0 || N == 0 {
		return 0
	}
	miss := 1.0
	for i := 0; i < n; i++ {
		if N-m-i <= 0 {
			return 1
		}
		miss *= float64(N-m-i) / float64(N-i)
	}
	return 1 - miss
}

// String says what was verified, e.g. "verified 1000 of 1000" or
// "verified 52 of 1020: 32 of 1000 CPU/file results, a random sample (a
// model that skipped 10% of them is caught with probability 96%), and
// every other result".
func (v Verification) String() string {
	s := fmt.Sprintf("verified %d of %d", v.Verified, v.Tasks)
	if v.Random() {
		s += fmt.Sprintf(": %d of %d CPU/file results, a random sample (a model that skipped %d%% of them is caught with probability %.0f%%), and every other result",
			v.Sampled, v.Costly, DetectPercent, math.Floor(100*v.Detection(DetectPercent/100.0)))
	}
	return s
}

// Check compares the reported results with the expected ones (p as for
// Expected): every result when that is cheap (FullCheckBudget), else every
// task without CPU or File steps and a random sample of SampleSize of the
// rest, drawn now from crypto/rand. A task whose result is wrong
// (including a dropped task, result 0) is an error naming the task and the
// proofs its result carries. It returns what it verified.
func Check(tasks []Task, results []uint64, p Params) (Verification, error) {
	return check(tasks, results, p, FullCheckBudget, SampleSize, rand.Reader)
}

// check is Check with a budget of CPU units, a sample size and a source of
// randomness for the sample.
func check(tasks []Task, results []uint64, p Params, budget uint64, n int, rnd io.Reader) (Verification, error) {
	v := Verification{Tasks: len(tasks)}
	if len(results) != len(tasks) {
		return v, fmt.Errorf("verify: %d results for %d tasks", len(results), len(tasks))
	}
	p = p.Fill()
	var costly []int
	var cost uint64
	for i, t := range tasks {
		if c := verifyCost(t); c > 0 {
			costly = append(costly, i)
			cost += c
		}
	}
	v.Costly, v.Sampled = len(costly), len(costly)
	checked := make([]bool, len(tasks))
	for i := range checked {
		checked[i] = true
	}
	if cost > budget && len(costly) > n {
		sample, err := randomSample(len(costly), n, rnd)
		if err != nil {
			return v, err
		}
		for _, i := range costly {
			checked[i] = false
		}
		for _, j := range sample {
			checked[costly[j]] = true
		}
		v.Sampled = n
	}
	v.Planned = len(tasks) - v.Costly + v.Sampled
	var todo []int
	for i := range tasks {
		if checked[i] {
			todo = append(todo, i)
		}
	}
	wants := expectedAll(tasks, todo, p)
	for j, i := range todo {
		t := tasks[i]
		if want := wants[j]; results[i] != want {
			return v, fmt.Errorf("verify: task %d returned %#x, want %#x (recomputed by the harness with the trial's nonce and data key): the %s of its steps does not match (a model skipped, dropped or corrupted its work, or computed it without the nonce or without reading)", t.ID, results[i], want, proofs(t))
		}
		v.Verified++
	}
	return v, nil
}

// expectedAll recomputes the expected results of tasks[todo[j]] on every
// core the process may use (the trial's window is over: the cores are the
// harness's), returning them in todo's order.
func expectedAll(tasks []Task, todo []int, p Params) []uint64 {
	wants := make([]uint64, len(todo))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(todo), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := int(next.Add(1) - 1); j < len(todo); j = int(next.Add(1) - 1) {
				wants[j] = expected(tasks[todo[j]], p)
			}
		}()
	}
	wg.Wait()
	return wants
}

// verifyCost is what recomputing t's CPU and File outputs costs, in CPU
// units (see FullCheckBudget); 0 for a task with neither.
func verifyCost(t Task) uint64 {
	var c uint64
	for _, s := range t.Steps {
		switch s.Kind {
		case CPU:
			w := uint64(1)
			if s.Kernel == Spin {
				w = 8
			}
			c += w * uint64(max(s.Units, 1))
		case File:
			c += 2 + uint64(s.Size)/512
		}
	}
	return c
}

// randomSample draws n distinct indices of [0, N) uniformly (a partial
// Fisher-Yates shuffle), seeded from rnd.
func randomSample(N, n int, rnd io.Reader) ([]int, error) {
	var seed [32]byte
	if _, err := io.ReadFull(rnd, seed[:]); err != nil {
		return nil, fmt.Errorf("verify: drawing the sample: %w", err)
	}
	r := mrand.New(mrand.NewChaCha8(seed))
	idx := make([]int, N)
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < n; i++ {
		j := i + r.IntN(N-i)
		idx[i], idx[j] = idx[j], idx[i]
	}
	return idx[:n], nil
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
