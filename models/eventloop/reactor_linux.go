//go:build linux

package eventloop

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Budgets keep one loop iteration short, so a flood of expired timers or
// new tasks cannot starve I/O: whatever exceeds them waits one iteration
// (and the next poll does not block).
const (
	// timerBudget is the most expired timers queued per iteration.
	timerBudget = 1024
	// eventBatch is the most fd events taken per epoll_wait.
	eventBatch = 256
)

// op selects the callback an event, timer or completion runs: the reactor
// keeps (op, arg) pairs instead of closures, so its queues hold no pointers
// and a million pending timers cost 16 bytes each.
type op uint8

// Ops below opUser are the reactor's own; the model's start at opUser.
const (
	_ op = iota
	opTimerFD
	opEventFD
	opUser
)

// noDeadline marks a disarmed timerfd.
const noDeadline = -1 << 63

// event is a ready callback: op selects the handler, arg is its argument
// (a task index) and mask the epoll events for fd readiness.
type event struct {
	arg  int32
	mask uint32
	op   op
}

// completion is an off-loop job's result, posted back to the loop.
type completion struct {
	val uint64
	err error
	arg int32
	op  op
}

// handler is what the reactor drives: the model's engine, or a test.
// Every method runs on the loop thread.
type handler interface {
	// done reports that the loop should return.
	done() bool
	// tick runs once per iteration before polling (the model admits new
	// tasks there); it returns true if it has more to do now, so the poll
	// must not block.
	tick() bool
	// dispatch runs one ready callback.
	dispatch(ev event)
	// complete continues after an off-loop job finished.
	complete(c completion)
}

// reactor is the event loop proper: an epoll instance watching a timerfd
// (which drives the timer heap), an eventfd (wake-ups and job completions
// from other threads) and any sockets the handler registers; a ready queue
// of callbacks; and a thread pool for blocking work. Only the loop thread
// touches its fields, except stop, wakeSent, mu/posted and the pool.
type reactor struct {
	poll   poller
	tfd    int
	efd    int
	base   time.Time
	timers timerHeap
	armed  int64
	ready  []event
	spare  []event
	evbuf  []unix.EpollEvent
	rbuf   [8]byte
	pool   *threadPool

	stop     atomic.Bool
	wakeSent atomic.Bool
	mu       sync.Mutex
	posted   []completion
	taken    []completion
}

// newReactor opens the epoll instance, timerfd and eventfd; base is time
// zero of the loop's clock. threads sizes the offload pool (started lazily).
func newReactor(base time.Time, threads int) (r *reactor, err error) {
	r = &reactor{tfd: -1, efd: -1, base: base, armed: noDeadline}
	r.evbuf = make([]unix.EpollEvent, eventBatch)
	if r.poll, err = newPoller(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			r.closeFDs()
		}
	}()
	if r.tfd, err = newTimerFD(); err != nil {
		return nil, err
	}
	if r.efd, err = newEventFD(); err != nil {
		return nil, err
	}
	if err = r.poll.add(r.tfd, unix.EPOLLIN, opTimerFD, 0); err != nil {
		return nil, err
	}
	if err = r.poll.add(r.efd, unix.EPOLLIN, opEventFD, 0); err != nil {
		return nil, err
	}
	r.pool = newThreadPool(threads, r.post)
	return r, nil
}

// now returns the loop's clock: monotonic ns since base.
func (r *reactor) now() int64 { return int64(time.Since(r.base)) }

// addTimer queues the callback (o, arg) at when (ns on the loop's clock).
func (r *reactor) addTimer(when int64, o op, arg int32) {
	r.timers.push(timer{when: when, arg: arg, op: o})
}

// callSoon queues the callback (o, arg) for the next run of the ready queue.
func (r *reactor) callSoon(o op, arg int32) {
	r.ready = append(r.ready, event{arg: arg, op: o})
}

// submit runs fn(arg) on the thread pool; its result comes back to the
// handler's complete on the loop thread as completion{op: o, arg: arg}.
func (r *reactor) submit(fn func(arg int32) (uint64, error), o op, arg int32) {
	r.pool.submit(job{fn: fn, arg: arg, op: o})
}

// wake interrupts the loop's poll from any thread. Wake-ups coalesce: one
// eventfd write until the loop has drained it. A failed write is ignored:
// it cannot happen while the eventfd is open (EAGAIN needs 2^64-1 pending
// writes), and the fd is closed only after every writer is gone.
func (r *reactor) wake() {
	if !r.wakeSent.Swap(true) {
		_ = signalFD(r.efd)
	}
}

// stopLoop asks the loop to return at its next iteration; any thread.
func (r *reactor) stopLoop() {
	r.stop.Store(true)
	r.wake()
}

// post hands a job's completion to the loop; any thread.
func (r *reactor) post(c completion) {
	r.mu.Lock()
	r.posted = append(r.posted, c)
	r.mu.Unlock()
	r.wake()
}

// run drives h until h.done() or stopLoop. Each iteration: tick, poll
// (blocking only when nothing is ready, the timerfd armed for the earliest
// timer), queue fd events and expired timers, deliver completions, then run
// the callbacks that were ready when the run began (asyncio's _run_once).
// It returns only syscall errors.
func (r *reactor) run(h handler) error {
	for {
		if r.stop.Load() || h.done() {
			return nil
		}
		more := h.tick()
		if h.done() {
			return nil
		}
		timeout := 0
		if !more && len(r.ready) == 0 {
			timeout = -1
			if t, ok := r.timers.peek(); ok {
				if d := t.when - r.now(); d <= 0 {
					timeout = 0
				} else if err := r.arm(t.when, d); err != nil {
					return err
				}
			}
		}
		n, err := r.poll.wait(r.evbuf, timeout)
		if err != nil {
			return err
		}
		for _, ev := range r.evbuf[:n] {
			switch o := op(ev.Pad); o {
			case opTimerFD:
				r.armed = noDeadline
				if err := drainFD(r.tfd, &r.rbuf); err != nil {
					return err
				}
			case opEventFD:
				if err := r.drainPosted(h); err != nil {
					return err
				}
			default:
				r.ready = append(r.ready, event{arg: ev.Fd, mask: ev.Events, op: o})
			}
		}
		if r.timers.Len() > 0 {
			now := r.now()
			for k := 0; k < timerBudget; k++ {
				t, ok := r.timers.peek()
				if !ok || t.when > now {
					break
				}
				r.timers.pop()
				r.ready = append(r.ready, event{arg: t.arg, op: t.op})
			}
		}
		r.runReady(h)
	}
}

// arm sets the timerfd to fire at when, d from now, unless it already is.
func (r *reactor) arm(when, d int64) error {
	if when == r.armed {
		return nil
	}
	if err := armTimerFD(r.tfd, time.Duration(d)); err != nil {
		return err
	}
	r.armed = when
	return nil
}

// drainPosted reads the eventfd and delivers the posted completions. The
// flag is cleared before the queue is taken, so a completion posted after
// the take always writes the eventfd again: no wake-up is lost.
func (r *reactor) drainPosted(h handler) error {
	if err := drainFD(r.efd, &r.rbuf); err != nil {
		return err
	}
	r.wakeSent.Store(false)
	r.mu.Lock()
	batch := r.posted
	r.posted = r.taken[:0]
	r.mu.Unlock()
	for k := range batch {
		if h.done() {
			break
		}
		h.complete(batch[k])
		batch[k] = completion{}
	}
	r.taken = batch[:0]
	return nil
}

// runReady runs the callbacks queued before it began; callbacks they queue
// run in the next iteration, after a poll.
func (r *reactor) runReady(h handler) {
	batch := r.ready
	r.ready = r.spare[:0]
	for k := range batch {
		if h.done() {
			break
		}
		h.dispatch(batch[k])
	}
	r.spare = batch[:0]
}

// close stops the thread pool (waiting for running jobs) and closes the
// fds. Call it once, after run returned and no other thread can wake.
func (r *reactor) close() error {
	r.pool.close()
	return r.closeFDs()
}

func (r *reactor) closeFDs() error {
	err := errors.Join(closeFD("eventfd", r.efd), closeFD("timerfd", r.tfd), r.poll.close())
	r.efd, r.tfd, r.poll.fd = -1, -1, -1
	return err
}
