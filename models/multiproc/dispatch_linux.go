//go:build linux

package multiproc

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// source is the shared queue workers pull from: an atomic cursor under a
// batch load (every task is queued at t=0), the FeedQueue channel otherwise.
type source struct {
	batch bool
	next  atomic.Int64
	n     int64
	queue <-chan int
	done  <-chan struct{}
}

// take returns the next task index and true, or false when none is ready
// (block = false), the queue is exhausted, or the run stopped; exhausted
// reports the latter two.
func (s *source) take(block bool) (i int, ok, exhausted bool) {
	if s.batch {
		if j := s.next.Add(1) - 1; j < s.n {
			return int(j), true, false
		}
		return 0, false, true
	}
	if block {
		select {
		case i, ok := <-s.queue:
			return i, ok, !ok
		case <-s.done:
			return 0, false, true
		}
	}
	select {
	case i, ok := <-s.queue:
		return i, ok, !ok
	default:
		return 0, false, false
	}
}

// stopped reports whether the run is over for reasons outside this worker.
func (p *procPool) stopped() bool { return p.tr.Stopped() || p.ctx.Err() != nil }

// drive feeds one worker slot from the shared queue and collects its
// results until the queue is exhausted or the run stops. It replaces the
// worker when it crashes and Respawn is on.
func (p *procPool) drive(w *worker) {
	tr := p.tr
	exhausted := false
	for {
		if p.stopped() {
			w.kill()
			p.reap(w)
			return
		}
		w.wbuf = w.wbuf[:0]
		for !exhausted && len(w.queue) < p.m.depth && len(w.wbuf) < maxBatch {
			i, ok, done := p.src.take(len(w.queue) == 0 && len(w.wbuf) == 0)
			if !ok {
				exhausted = done
				break
			}
			if !p.begun[i] {
				p.begun[i] = true
				tr.Begin(i)
			}
			w.wbuf = appendTask(w.wbuf, i, tr.Tasks[i], tr.Nonce())
			w.queue = append(w.queue, i)
		}
		if len(w.wbuf) > 0 {
			if err := w.write(); err != nil {
				if w = p.lost(w, err); w == nil {
					return
				}
				continue
			}
		}
		if len(w.queue) == 0 {
			p.retire(w)
			return
		}
		typ, body, err := w.fr.next()
		if err != nil {
			if w = p.lost(w, err); w == nil {
				return
			}
			continue
		}
		if err := p.handle(w, typ, body); err != nil {
			w.kill()
			p.reap(w)
			p.fail(w, err)
			return
		}
	}
}

// errStepFailed tells drive that a task failed (the trial already knows).
var errStepFailed = errors.New("step failed")

// handle processes one frame from a running worker.
func (p *procPool) handle(w *worker, typ byte, body []byte) error {
	switch typ {
	case frameResult:
		if err := decodeResult(body, &w.res); err != nil {
			return fmt.Errorf("worker pid %d: %w", w.pid, err)
		}
		i, err := w.pop(w.res.slot)
		if err != nil {
			return err
		}
		r := p.tr.Rec
		r.Inner[i] = w.res.inner
		p.m.pids[i] = int32(w.res.pid)
		w.cpu = append(w.cpu, w.res.cpu...)
		p.tr.Finish(i, w.res.result)
		return nil
	case frameError:
		f, err := decodeError(body)
		if err != nil {
			return fmt.Errorf("worker pid %d: %w", w.pid, err)
		}
		i, err := w.pop(f.slot)
		if err != nil {
			return err
		}
		p.tr.Fail(i, fmt.Errorf("in worker pid %d: %s", f.pid, f.msg))
		return errStepFailed
	}
	return fmt.Errorf("worker pid %d: %w: unexpected frame type %q from a running worker", w.pid, ErrCorrupt, typ)
}

// pop removes the oldest outstanding task, which must be slot.
func (w *worker) pop(slot int) (int, error) {
	if len(w.queue) == 0 || w.queue[0] != slot {
		return 0, fmt.Errorf("worker pid %d: %w: answer for task slot %d, outstanding %v", w.pid, ErrCorrupt, slot, w.queue)
	}
	i := w.queue[0]
	copy(w.queue, w.queue[1:])
	w.queue = w.queue[:len(w.queue)-1]
	return i, nil
}

// fail ends the trial with err, naming the oldest task outstanding on w
// if there is one.
func (p *procPool) fail(w *worker, err error) {
	if errors.Is(err, errStepFailed) {
		return
	}
	if len(w.queue) > 0 {
		p.tr.Fail(w.queue[0], err)
		return
	}
	p.mu.Lock()
	first := p.err == nil
	if first {
		p.err = err
	}
	p.mu.Unlock()
	p.cancel(err)
	if first {
		p.tr.Abort(fmt.Errorf("multiproc: %w", err))
	}
}

// lost handles a worker whose pipes broke: reading hit EOF, a truncated or
// corrupt frame, or writing hit EPIPE. It reaps the worker and either
// fails the trial (returning nil) or, with Respawn, returns a replacement
// that has been sent the lost worker's outstanding tasks again.
func (p *procPool) lost(w *worker, ioErr error) *worker {
	if p.stopped() {
		w.kill()
		p.reap(w)
		return nil
	}
	if errors.Is(ioErr, ErrCorrupt) {
		w.kill()
		p.reap(w)
		p.fail(w, fmt.Errorf("worker pid %d: %w", w.pid, ioErr))
		return nil
	}
	// The worker is dying or dead; give it a moment to exit on its own so
	// its real status is reported, then make sure.
	t := time.AfterFunc(exitGrace, w.kill)
	status := p.reap(w)
	t.Stop()
	if p.stopped() {
		return nil
	}
	how := ""
	if errors.Is(ioErr, ErrTruncated) {
		how = " after a truncated frame"
	}
	cause := fmt.Sprintf("worker pid %d died (%s)%s", w.pid, status, how)
	detail := w.stderrDetail()
	if !p.m.respawn {
		if len(w.queue) == 0 {
			p.fail(w, errors.New(cause+" while idle"+detail))
		} else {
			p.fail(w, errors.New(cause+" while running it"+detail))
		}
		return nil
	}
	for _, i := range w.queue {
		if p.retried[i] {
			p.tr.Fail(i, errors.New(cause+" while running it, on its one retry"+detail))
			return nil
		}
		p.retried[i] = true
	}
	if r := p.m.restarts.Add(1); r > int64(len(p.tr.Tasks)+p.m.workers) {
		p.fail(w, fmt.Errorf("%s%s; giving up after %d restarts", cause, detail, r-1))
		return nil
	}
	nw, err := p.spawn(w.slot, true)
	if err != nil {
		p.fail(w, fmt.Errorf("replacing %s%s: %w", cause, detail, err))
		return nil
	}
	nw.queue = append(nw.queue, w.queue...)
	for _, i := range nw.queue {
		nw.wbuf = appendTask(nw.wbuf[:0], i, p.tr.Tasks[i], p.tr.Nonce())
		if err := nw.write(); err != nil {
			return p.lost(nw, err)
		}
	}
	return nw
}

// retire shuts an idle worker down: closing its task pipe makes it exit.
func (p *procPool) retire(w *worker) {
	w.closeIn()
	t := time.AfterFunc(stopGrace, w.kill)
	typ, _, err := w.fr.next()
	t.Stop()
	status := p.reap(w)
	if p.stopped() {
		return
	}
	switch {
	case err == nil:
		p.fail(w, fmt.Errorf("worker pid %d: %w: unexpected frame type %q at shutdown", w.pid, ErrCorrupt, typ))
	case w.cmd.ProcessState == nil || !w.cmd.ProcessState.Success():
		p.fail(w, fmt.Errorf("worker pid %d exited with %s at shutdown%s", w.pid, status, w.stderrDetail()))
	}
}
