//go:build linux

package eventloop

// timer is one pending timer: at when (ns since trial start) the reactor
// queues the callback (op, arg). 16 bytes, no pointers.
type timer struct {
	when int64
	arg  int32
	op   op
}

// timerHeap is a binary min-heap of timers by deadline. It is written out
// rather than built on container/heap to avoid an interface call per
// comparison on a heap that may hold a million timers.
type timerHeap struct {
	h []timer
}

// Len returns the number of pending timers.
func (th *timerHeap) Len() int { return len(th.h) }

// grow makes room for n timers without reallocating.
func (th *timerHeap) grow(n int) {
	if cap(th.h) < n {
		h := make([]timer, len(th.h), n)
		copy(h, th.h)
		th.h = h
	}
}

// peek returns the earliest timer.
func (th *timerHeap) peek() (timer, bool) {
	if len(th.h) == 0 {
		return timer{}, false
	}
	return th.h[0], true
}

// push adds a timer.
func (th *timerHeap) push(t timer) {
	th.h = append(th.h, t)
	h := th.h
	j := len(h) - 1
	for j > 0 {
		p := (j - 1) / 2
		if h[p].when <= t.when {
			break
		}
		h[j] = h[p]
		j = p
	}
	h[j] = t
}

// pop removes and returns the earliest timer; the heap must not be empty.
func (th *timerHeap) pop() timer {
	h := th.h
	top := h[0]
	n := len(h) - 1
	last := h[n]
	th.h = h[:n]
	h = th.h
	j := 0
	for {
		c := 2*j + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && h[r].when < h[c].when {
			c = r
		}
		if last.when <= h[c].when {
			break
		}
		h[j] = h[c]
		j = c
	}
	if n > 0 {
		h[j] = last
	}
	return top
}
