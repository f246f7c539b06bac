//go:build linux

package eventloop

import (
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"concbench/models"
	"concbench/workload"

	"golang.org/x/sys/unix"
)

// testHandler drives a bare reactor from a test.
type testHandler struct {
	stop    func() bool
	onEvent func(event)
	onDone  func(completion)
}

func (h *testHandler) done() bool { return h.stop() }
func (h *testHandler) tick() bool { return false }
func (h *testHandler) dispatch(ev event) {
	if h.onEvent != nil {
		h.onEvent(ev)
	}
}
func (h *testHandler) complete(c completion) {
	if h.onDone != nil {
		h.onDone(c)
	}
}

// newTestReactor opens a reactor on the calling goroutine's locked thread;
// cleanup closes it and unlocks.
func newTestReactor(t *testing.T, threads int) *reactor {
	t.Helper()
	runtime.LockOSThread()
	r, err := newReactor(time.Now(), threads)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.close(); err != nil {
			t.Error(err)
		}
		runtime.UnlockOSThread()
	})
	return r
}

const opTest = opUser + 40

func TestReactorTimersFireInDeadlineOrder(t *testing.T) {
	r := newTestReactor(t, 1)
	const n = 10000
	rng := rand.New(rand.NewPCG(5, 6))
	when := make([]int64, n)
	start := r.now() + int64(2*time.Millisecond)
	for i := range when {
		when[i] = start + rng.Int64N(int64(30*time.Millisecond))
		r.addTimer(when[i], opTest, int32(i))
	}
	var order []int32
	var late []int64
	h := &testHandler{
		stop: func() bool { return len(order) == n },
		onEvent: func(ev event) {
			order = append(order, ev.arg)
			late = append(late, r.now()-when[ev.arg])
		},
	}
	if err := r.run(h); err != nil {
		t.Fatal(err)
	}
	for k := 1; k < n; k++ {
		if when[order[k]] < when[order[k-1]] {
			t.Fatalf("timer %d (deadline %d) fired after timer %d (deadline %d)",
				order[k], when[order[k]], order[k-1], when[order[k-1]])
		}
	}
	for k, l := range late {
		if l < 0 {
			t.Fatalf("timer %d fired %v early", order[k], time.Duration(-l))
		}
	}
	seen := map[int32]bool{}
	for _, a := range order {
		seen[a] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct timers fired, want %d", len(seen), n)
	}
}

// TestTimerSubMillisecond checks the timerfd: a 200us timer can fire
// within a few hundred microseconds, which a timer rounded up to epoll's
// 1 ms never does (its lateness is at least 800us). A busy machine only
// adds lateness, so the earliest of several tries is the evidence.
func TestTimerSubMillisecond(t *testing.T) {
	r := newTestReactor(t, 1)
	const tries = 15
	var lates []time.Duration
	for range tries {
		when := r.now() + int64(200*time.Microsecond)
		r.addTimer(when, opTest, 0)
		fired := false
		h := &testHandler{
			stop: func() bool { return fired },
			onEvent: func(event) {
				fired = true
				lates = append(lates, time.Duration(r.now()-when))
			},
		}
		if err := r.run(h); err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(lates)
	med := lates[tries/2]
	t.Logf("200us timer lateness: min %v median %v max %v", lates[0], med, lates[tries-1])
	if lates[0] >= 800*time.Microsecond {
		t.Fatalf("the earliest of %d 200us timers was %v late: the timer is not sub-millisecond", tries, lates[0])
	}
}

// TestThreadPoolOffload runs blocking jobs on the pool: they run on other
// threads, at most Threads at once, and their completions come back on the
// loop thread through the eventfd.
func TestThreadPoolOffload(t *testing.T) {
	const threads, jobs = 4, 12
	r := newTestReactor(t, threads)
	loopTid := models.Gettid()
	var running, peak atomic.Int64
	var offLoop atomic.Int64
	fn := func(arg int32) (uint64, error) {
		n := running.Add(1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		if models.Gettid() != loopTid {
			offLoop.Add(1)
		}
		workload.BlockThread(20 * time.Millisecond)
		running.Add(-1)
		return uint64(arg) * 3, nil
	}
	got := map[int32]uint64{}
	h := &testHandler{
		stop: func() bool { return len(got) == jobs },
		onDone: func(c completion) {
			if c.op != opTest || c.err != nil {
				t.Errorf("completion %+v", c)
			}
			if tid := models.Gettid(); tid != loopTid {
				t.Errorf("completion delivered on thread %d, loop is %d", tid, loopTid)
			}
			got[c.arg] = c.val
		},
	}
	for i := range int32(jobs) {
		r.submit(fn, opTest, i)
	}
	if err := r.run(h); err != nil {
		t.Fatal(err)
	}
	for i := range int32(jobs) {
		if got[i] != uint64(i)*3 {
			t.Errorf("job %d returned %d, want %d", i, got[i], i*3)
		}
	}
	if p := peak.Load(); p != threads {
		t.Errorf("peak concurrent jobs %d, want %d", p, threads)
	}
	if offLoop.Load() != jobs {
		t.Errorf("%d of %d jobs ran off the loop thread", offLoop.Load(), jobs)
	}
}

// TestReactorWakeAndReady: an idle loop (nothing pending, poll blocked for
// good) is woken by stopLoop from another goroutine; callSoon runs a
// callback on the next iteration.
func TestReactorWakeAndReady(t *testing.T) {
	r := newTestReactor(t, 1)
	ran := 0
	h := &testHandler{stop: func() bool { return false }, onEvent: func(ev event) {
		if ev.op == opTest && ev.arg == 9 {
			ran++
		}
	}}
	r.callSoon(opTest, 9)
	go func() {
		time.Sleep(20 * time.Millisecond)
		r.stopLoop()
	}()
	if err := r.run(h); err != nil {
		t.Fatal(err)
	}
	if ran != 1 {
		t.Fatalf("callSoon callback ran %d times, want 1", ran)
	}
}

// TestPollerReadiness registers a pipe: readability queues the fd's own
// callback, and modify/remove change or drop the registration.
func TestPollerReadiness(t *testing.T) {
	r := newTestReactor(t, 1)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	fd := int(pr.Fd())
	if err := r.poll.add(fd, unix.EPOLLOUT, opTest, 1); err != nil {
		t.Fatal(err)
	}
	if err := r.poll.modify(fd, unix.EPOLLIN, opTest, 7); err != nil {
		t.Fatal(err)
	}
	var got event
	h := &testHandler{stop: func() bool { return got.op != 0 }, onEvent: func(ev event) { got = ev }}
	if _, err := pw.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := r.run(h); err != nil {
		t.Fatal(err)
	}
	if got.op != opTest || got.arg != 7 || got.mask&unix.EPOLLIN == 0 {
		t.Fatalf("readiness event %+v, want op %d arg 7 EPOLLIN", got, opTest)
	}
	if err := r.poll.remove(fd); err != nil {
		t.Fatal(err)
	}
	if err := r.poll.remove(fd); err == nil {
		t.Fatal("removing an unregistered fd succeeded")
	}
}
