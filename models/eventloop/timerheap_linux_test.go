//go:build linux

package eventloop

import (
	"math/rand/v2"
	"testing"
)

func TestTimerHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var th timerHeap
	const n = 10000
	for i := range n {
		th.push(timer{when: rng.Int64N(1000), arg: int32(i)})
	}
	seen := make([]bool, n)
	last := int64(-1)
	for th.Len() > 0 {
		tm := th.pop()
		if tm.when < last {
			t.Fatalf("timer %d at %d popped after %d", tm.arg, tm.when, last)
		}
		if seen[tm.arg] {
			t.Fatalf("timer %d popped twice", tm.arg)
		}
		seen[tm.arg] = true
		last = tm.when
	}
	for i, ok := range seen {
		if !ok {
			t.Fatalf("timer %d lost", i)
		}
	}
	if _, ok := th.peek(); ok {
		t.Fatal("peek on an empty heap returned a timer")
	}
}

func TestTimerHeapInterleaved(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var th timerHeap
	th.grow(64)
	var ref []int64 // a sorted reference
	for k := range 5000 {
		if k%3 == 2 && th.Len() > 0 {
			got := th.pop().when
			if got != ref[0] {
				t.Fatalf("pop %d = %d, want %d", k, got, ref[0])
			}
			ref = ref[1:]
			continue
		}
		w := rng.Int64N(500)
		th.push(timer{when: w})
		j := 0
		for j < len(ref) && ref[j] <= w {
			j++
		}
		ref = append(ref[:j], append([]int64{w}, ref[j:]...)...)
	}
}
