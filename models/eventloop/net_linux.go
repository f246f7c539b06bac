//go:build linux

package eventloop

import (
	"fmt"
	"io"
	"os"

	"concbench/workload"
	"concbench/workload/httpwire"

	"golang.org/x/sys/unix"
)

// The Net step's request state machine, on the connection table of
// conntable_linux.go: a task's Net step takes an idle keep-alive connection
// or dials a new one (connecting -> writing -> reading), the response is
// fed to the connection's parser (which digests the body as it arrives),
// and the step ends in netDone (the body's digest resumes the task), in
// ioFail (an I/O error: retried once on a stale connection, otherwise the
// task fails), in protoFail (a bad response) or in netTimeout.

// startNet begins Net step s of task i on an idle keep-alive connection,
// or on a new one.
func (e *engine) startNet(i int32, s *workload.Step) error {
	np := e.net
	if np == nil {
		return workload.ErrNoServer
	}
	if id, ok := np.takeIdle(); ok {
		e.begin(id, i)
		e.send(id)
		return nil
	}
	return e.dial(i)
}

// dial opens a non-blocking socket for task i, registers it with the loop's
// epoll (edge-triggered, once for its whole life: readable, writable and
// peer hang-up all queue opConn for the connection) and starts connecting.
// Errors before the socket exists fail the task here.
func (e *engine) dial(i int32) error {
	np := e.net
	if err := np.resolve(); err != nil {
		return err
	}
	fd, err := unix.Socket(np.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return e.netError(ioConnect, err, -1)
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	id := np.open(fd)
	if err := e.r.poll.add(fd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP|unix.EPOLLET, opConn, id); err != nil {
		np.closeConn(id)
		return err
	}
	e.begin(id, i)
	np.conns[id].state = connConnecting
	switch err := unix.Connect(fd, np.sa); err {
	case nil:
		e.send(id) // connected at once
	case unix.EINPROGRESS, unix.EINTR:
		// wait for EPOLLOUT (connected) or EPOLLERR (refused)
	default:
		e.ioFail(id, ioConnect, err, -1)
	}
	return nil
}

// begin gives connection id to task i's current Net step and starts the
// step's timeout. One timer per slot is pending at most: when it fires
// early (the slot's deadline moved on) it re-arms itself.
func (e *engine) begin(id, i int32) {
	np := e.net
	c := np.conns[id]
	c.task = i
	c.state = connWriting
	c.p.Reset()
	c.dig.Reset()
	c.sent = 0
	k := e.st[i].step
	s := &e.tasks[i].Steps[k]
	c.req = httpwire.AppendRequest(c.req[:0], np.addr, s.Dur, s.Size, workload.NetSeed(e.tasks[i].ID, int(k)))
	c.deadline = e.rec.Now() + int64(np.timeout)
	if c.timerAt == 0 {
		c.timerAt = c.deadline
		e.r.addTimer(c.deadline, opNetTimeout, id)
	}
}

// connReady continues connection id's step when its socket reports events
// (epoll mask). Edge-triggered events may be spurious; every state simply
// retries its non-blocking call and waits again on EAGAIN.
func (e *engine) connReady(id int32, events uint32) {
	np := e.net
	if np == nil || int(id) >= len(np.conns) {
		return
	}
	c := np.conns[id]
	switch c.state {
	case connIdle:
		e.idleEvent(id)
	case connConnecting:
		soerr, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && soerr != 0 {
			err = unix.Errno(soerr)
		}
		if err != nil {
			e.ioFail(id, ioConnect, err, -1)
			return
		}
		if events&unix.EPOLLOUT == 0 {
			return // not connected yet
		}
		c.state = connWriting
		e.send(id)
	case connWriting:
		e.send(id)
	case connReading:
		e.receive(id, events)
	}
}

// send writes the rest of connection id's request; once it is all out the
// connection waits for the response.
func (e *engine) send(id int32) {
	c := e.net.conns[id]
	c.state = connWriting
	for c.sent < len(c.req) {
		n, err := unix.Write(c.fd, c.req[c.sent:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return // EPOLLOUT continues
		case err != nil:
			e.ioFail(id, ioSend, err, -1)
			return
		}
		c.sent += n
	}
	c.state = connReading
}

// receive reads what the socket has and feeds the parser; the step ends
// when the response is complete. A read that fills the buffer is repeated
// (edge-triggered: the socket may hold more); a short one means the socket
// is drained, and new data will raise another edge, unless the event also
// reported the peer's hang-up (whose edge this event consumed): then reads
// go on until EOF or EAGAIN.
func (e *engine) receive(id int32, events uint32) {
	hup := events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0
	np := e.net
	c := np.conns[id]
	for {
		n, err := unix.Read(c.fd, np.rbuf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return
		case err != nil:
			e.ioFail(id, ioRead, err, c.p.Received())
			return
		case n == 0:
			e.ioFail(id, ioRead, io.EOF, c.p.Received())
			return
		}
		used, done, perr := c.p.Feed(np.rbuf[:n])
		if perr != nil {
			e.protoFail(id, fmt.Errorf("read response: %w", perr))
			return
		}
		if done {
			if used < n {
				e.protoFail(id, fmt.Errorf("read response: %d unexpected bytes after the response", n-used))
				return
			}
			e.netDone(id)
			return
		}
		if n < len(np.rbuf) && !hup {
			return
		}
	}
}

// netDone ends connection id's step with a complete response and resumes
// its task with the body's digest.
func (e *engine) netDone(id int32) {
	np := e.net
	c := np.conns[id]
	i := c.task
	if err := workload.CheckBody(c.p.Body(), e.tasks[i].Steps[e.st[i].step].Size); err != nil {
		e.protoFail(id, err)
		return
	}
	np.release(id, c.p.KeepAlive())
	e.resume(i, c.dig.Sum64())
}

// idleEvent handles an event on an idle connection: the server closed it
// (EOF, reset) or sent bytes nobody asked for. Either way it cannot carry
// another request, so it is closed now rather than found stale later.
func (e *engine) idleEvent(id int32) {
	np := e.net
	c := np.conns[id]
	for {
		_, err := unix.Read(c.fd, np.rbuf[:1])
		if err == unix.EINTR {
			continue
		}
		if err != unix.EAGAIN {
			np.closeConn(id)
		}
		return
	}
}

// ioFail ends connection id's step after an I/O error err during op: the
// connection is closed, and the task fails, unless the stale-connection
// rule (workload.RetryStale) says the request never reached the server:
// then it is retried once on a fresh connection, as the blocking pool does.
func (e *engine) ioFail(id int32, op netOp, err error, received int64) {
	np := e.net
	c := np.conns[id]
	i := c.task
	retry := workload.RetryStale(c.reused, c.p.Received(), err)
	np.closeConn(id)
	if !retry {
		e.fail(i, e.netError(op, err, received))
		return
	}
	if derr := e.dial(i); derr != nil {
		e.fail(i, derr)
	}
}

// protoFail ends connection id's step with err, a complete message about a
// response the client cannot accept; the connection is closed.
func (e *engine) protoFail(id int32, err error) {
	np := e.net
	i := np.conns[id].task
	np.closeConn(id)
	e.fail(i, err)
}

// netTimeout runs when slot id's timer fires: the busy connection past its
// deadline fails its task with a timeout and is closed; a timer that fired
// for an earlier step re-arms for the current one.
func (e *engine) netTimeout(id int32) {
	np := e.net
	c := np.conns[id]
	c.timerAt = 0
	if c.state == connFree || c.state == connIdle {
		return
	}
	if now := e.rec.Now(); c.deadline > now {
		c.timerAt = c.deadline
		e.r.addTimer(c.deadline, opNetTimeout, id)
		return
	}
	op := ioRead
	switch c.state {
	case connConnecting:
		op = ioConnect
	case connWriting:
		op = ioSend
	}
	i := c.task
	received := c.p.Received()
	np.closeConn(id)
	e.fail(i, e.netError(op, os.ErrDeadlineExceeded, received))
}

// netError names the cause of err during op with the wording every Net
// client shares (workload.NewNetError).
func (e *engine) netError(op netOp, err error, received int64) error {
	return workload.NewNetError(e.net.opName(op), err, received, e.net.timeout)
}
