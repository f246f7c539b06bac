package workload

import (
	"bytes"
	"crypto/rand"
	"math"
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	ts, _ := Build("cpu-hash", 50, Params{Units: 5})
	res := make([]uint64, len(ts))
	for i, task := range ts {
		res[i] = Expected(task, Params{})
	}
	if v, err := Check(ts, res, Params{}); err != nil || v.Verified != 50 || v.Random() || v.String() != "verified 50 of 50" {
		t.Fatalf("correct results: %v (%+v), err %v", v, v, err)
	}
	res[7] = 0 // a dropped task
	if _, err := Check(ts, res, Params{}); err == nil || !strings.Contains(err.Error(), "task 7") {
		t.Errorf("dropped task not caught: %v", err)
	}
	res[7], res[8] = res[8], Expected(ts[7], Params{}) // a swapped digest
	if _, err := Check(ts, res, Params{}); err == nil {
		t.Error("swapped digests not caught")
	}
}

// sampledTrial is 1000 cpu-hash tasks of 3 units and one sleep task, with
// correct results for the tasks keep selects (the sleep task's result is
// 0 either way).
func sampledTrial(keep func(i int) bool) ([]Task, []uint64, Params) {
	p := Params{Nonce: 9}
	ts, _ := Build("cpu-hash", 1000, Params{Units: 3})
	ts = append(ts, Task{ID: 1000, Steps: []Step{SleepStep(time.Millisecond)}})
	res := make([]uint64, len(ts))
	for i, task := range ts {
		if keep(i) {
			res[i] = Expected(task, p)
		}
	}
	return ts, res, p
}

// TestCheckSampled: above the budget a random sample of SampleSize CPU
// tasks is checked, every task without CPU or File steps always, the
// sample differs between draws, and the count and the detection
// probability say so.
func TestCheckSampled(t *testing.T) {
	ts, res, p := sampledTrial(func(int) bool { return true })
	v, err := check(ts, res, p, 600, SampleSize, bytes.NewReader(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Verification{Verified: 33, Tasks: 1001, Costly: 1000, Sampled: 32, Planned: 33}); v != want {
		t.Errorf("got %+v, want %+v", v, want)
	}
	if got, want := v.String(), "verified 33 of 1001: 32 of 1000 CPU/file results, a random sample (a model that skipped 10% of them is caught with probability 96%), and every other result"; got != want {
		t.Errorf("String() = %q,\nwant       %q", got, want)
	}
	if v, err := check(ts, res, p, 3000, SampleSize, rand.Reader); err != nil || v.Random() || v.Verified != 1001 {
		t.Errorf("within the budget every result is checked: %+v, %v", v, err)
	}
	// Two draws from crypto/rand choose different tasks: leave one task's
	// result out at a time and count how often Check notices.
	caught := 0
	for i := range 1000 {
		res[i] = 0
		if _, err := check(ts, res, p, 600, SampleSize, rand.Reader); err != nil {
			caught++
		}
		res[i] = Expected(ts[i], p)
	}
	if caught == 0 || caught == 1000 {
		t.Errorf("one wrong result in 1000 was caught in %d of 1000 random samples of 32: the sample does not vary", caught)
	}
}

// TestDetection: the probability stated is the hypergeometric one, checked
// against its closed form for small cases and the 1-(1-f)^n bound.
func TestDetection(t *testing.T) {
	tests := []struct {
		v    Verification
		f    float64
		want float64
	}{
		{Verification{Costly: 10, Sampled: 10}, 0.05, 1},
		{Verification{Costly: 10, Sampled: 1}, 0.2, 0.2},      // 2 bad of 10, draw 1
		{Verification{Costly: 10, Sampled: 2}, 0.1, 0.2},      // 1 bad of 10, draw 2
		{Verification{Costly: 4, Sampled: 2}, 0.5, 1 - 1.0/6}, // C(2,2)/C(4,2)
		{Verification{Costly: 100, Sampled: 0}, 0.05, 0},      // nothing drawn
		{Verification{Costly: 1000, Sampled: 64}, 0, 0},       // nothing skipped
	}
	for _, tt := range tests {
		if got := tt.v.Detection(tt.f); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("%+v f=%v: %v, want %v", tt.v, tt.f, got, tt.want)
		}
	}
	v := Verification{Costly: 1000, Sampled: 32}
	if got, bound := v.Detection(0.1), 1-math.Pow(0.9, 32); got < bound || got > bound+0.01 {
		t.Errorf("Detection(10%%) = %v, want just above %v", got, bound)
	}
}

// strideCheck is the verification Check replaced: above the budget, every
// k-th task (and the last), k = units/budget + 1, a stride a model can
// compute from the task list before it runs.
func strideCheck(tasks []Task, results []uint64, p Params, budget uint64) bool {
	var units uint64
	for _, t := range tasks {
		for _, s := range t.Steps {
			if s.Kind == CPU {
				units += uint64(s.Units)
			}
		}
	}
	k := 1
	if units > budget {
		k = int(units/budget) + 1
	}
	for i, t := range tasks {
		if (k == 1 || i%k == 0 || i == len(tasks)-1 || verifyCost(t) == 0) && results[i] != Expected(t, p) {
			return false
		}
	}
	return true
}

// TestStrideCheatCaught: a model that predicts the old stride from the
// task list and computes only every k-th CPU digest (and the last) passed
// the stride sampling; the random sample catches it (it skipped 80%: it
// escapes 32 draws with probability below 1e-22).
func TestStrideCheatCaught(t *testing.T) {
	const budget = 750 // 3000 units: every 5th
	ts, res, p := sampledTrial(func(i int) bool { return i%5 == 0 || i >= 999 })
	if !strideCheck(ts, res, p, budget) {
		t.Fatal("the cheat does not pass the stride sampling it was built for")
	}
	v, err := check(ts, res, p, budget, SampleSize, rand.Reader)
	if err == nil || !strings.Contains(err.Error(), "returned") || !strings.Contains(err.Error(), "cpu digest") {
		t.Fatalf("the stride cheat passed the random sample: %+v, %v", v, err)
	}
	if v.Planned != 33 || v.Verified >= v.Planned {
		t.Errorf("verification %+v, want it stopped short of its plan of 33", v)
	}
}
