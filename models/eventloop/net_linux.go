//go:build linux

package eventloop

import (
	"fmt"
	"io"
	"os"
	"time"

	"concbench/workload"
	"concbench/workload/httpwire"

	"golang.org/x/sys/unix"
)

// The Net step's request state machine, on the connection table of
// conntable_linux.go. It serves an owner (netOwner): the client engine's
// tasks, or the server's connections whose handlers have Net steps; both
// run it on their one loop thread, its sockets in the same epoll set as
// everything else. A Net step takes an idle keep-alive connection
// or dials a new one (connecting -> writing -> reading), the response is
// fed to the connection's parser (which digests the body as it arrives),
// and the step ends in netDone (the body's digest resumes the task), in
// ioFail (an I/O error: retried once on a stale connection, otherwise the
// task fails), in protoFail (a bad response) or in netTimeout.

// The Net client's callbacks, shared by the engine and the server (a
// reactor runs one of them; each numbers its own ops from opModel).
const (
	// opConn continues the Net step on connection arg when its socket is
	// ready.
	opConn op = opUser + iota
	// opNetTimeout checks connection arg's step deadline.
	opNetTimeout
	// opModel is the first op of the engine's or the server's own.
	opModel
)

// netOwner is what waits on Net steps: the engine (k is a task) or the
// server (k is a client connection whose request's task is in a Net step).
// Each Net step ends in exactly one call of netDone or netFail.
type netOwner interface {
	// netStep returns the Net step k waits in and its seed
	// (workload.NetSeed of the task's ID and the step's index).
	netStep(k int32) (s *workload.Step, seed uint64)
	// netDone continues k with the digest of the step's response body.
	netDone(k int32, digest uint64)
	// netFail ends k's step with err.
	netFail(k int32, err error)
}

// netClient runs Net steps for an owner on a reactor's thread, with the
// connection table np.
type netClient struct {
	np  *netPool
	r   *reactor
	own netOwner
}

// newNetClient returns the Net client of a loop whose Net steps go to
// addr, keeping at most maxIdle keep-alive connections, each step bounded
// by timeout; nil when addr is "" (Net steps fail with ErrNoServer).
func newNetClient(r *reactor, own netOwner, addr string, maxIdle int, timeout time.Duration) *netClient {
	if addr == "" {
		return nil
	}
	return &netClient{np: newNetPool(addr, maxIdle, timeout), r: r, own: own}
}

// start begins k's Net step on an idle keep-alive connection, or on a new
// one. An error (no server, no socket) ends the step at once.
func (n *netClient) start(k int32) error {
	if n == nil {
		return workload.ErrNoServer
	}
	if id, ok := n.np.takeIdle(); ok {
		n.begin(id, k)
		n.send(id)
		return nil
	}
	return n.dial(k)
}

// recycle and closeAll pass through to the table; both are no-ops
// without a server.
func (n *netClient) recycle() {
	if n != nil {
		n.np.recycle()
	}
}

func (n *netClient) closeAll() {
	if n != nil {
		n.np.closeAll()
	}
}

// dial opens a non-blocking socket for owner i's Net step, registers it with the loop's
// epoll (edge-triggered, once for its whole life: readable, writable and
// peer hang-up all queue opConn for the connection) and starts connecting.
// Errors before the socket exists are returned (the step fails at once).
func (n *netClient) dial(i int32) error {
	np := n.np
	if err := np.resolve(); err != nil {
		return err
	}
	fd, err := unix.Socket(np.family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return n.netError(ioConnect, err, -1)
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	id := np.open(fd)
	if err := n.r.poll.add(fd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP|unix.EPOLLET, opConn, id); err != nil {
		np.closeConn(id)
		return err
	}
	n.begin(id, i)
	np.conns[id].state = connConnecting
	switch err := unix.Connect(fd, np.sa); err {
	case nil:
		n.send(id) // connected at once
	case unix.EINPROGRESS, unix.EINTR:
		// wait for EPOLLOUT (connected) or EPOLLERR (refused)
	default:
		n.ioFail(id, ioConnect, err, -1)
	}
	return nil
}

// begin gives connection id to owner i's current Net step and starts the
// step's timeout. One timer per slot is pending at most: when it fires
// early (the slot's deadline moved on) it re-arms itself.
func (n *netClient) begin(id, i int32) {
	np := n.np
	c := np.conns[id]
	c.task = i
	c.state = connWriting
	c.p.Reset()
	c.dig.Reset()
	c.sent = 0
	s, seed := n.own.netStep(i)
	c.req = httpwire.AppendRequest(c.req[:0], np.addr, s.Dur, s.Size, seed)
	c.deadline = n.r.now() + int64(np.timeout)
	if c.timerAt == 0 {
		c.timerAt = c.deadline
		n.r.addTimer(c.deadline, opNetTimeout, id)
	}
}

// connReady continues connection id's step when its socket reports events
// (epoll mask). Edge-triggered events may be spurious; every state simply
// retries its non-blocking call and waits again on EAGAIN.
func (n *netClient) connReady(id int32, events uint32) {
	if n == nil || int(id) >= len(n.np.conns) {
		return
	}
	c := n.np.conns[id]
	switch c.state {
	case connIdle:
		n.idleEvent(id)
	case connConnecting:
		soerr, err := unix.GetsockoptInt(c.fd, unix.SOL_SOCKET, unix.SO_ERROR)
		if err == nil && soerr != 0 {
			err = unix.Errno(soerr)
		}
		if err != nil {
			n.ioFail(id, ioConnect, err, -1)
			return
		}
		if events&unix.EPOLLOUT == 0 {
			return // not connected yet
		}
		c.state = connWriting
		n.send(id)
	case connWriting:
		n.send(id)
	case connReading:
		n.receive(id, events)
	}
}

// send writes the rest of connection id's request; once it is all out the
// connection waits for the response.
func (n *netClient) send(id int32) {
	c := n.np.conns[id]
	c.state = connWriting
	for c.sent < len(c.req) {
		w, err := unix.Write(c.fd, c.req[c.sent:])
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return // EPOLLOUT continues
		case err != nil:
			n.ioFail(id, ioSend, err, -1)
			return
		}
		c.sent += w
	}
	c.state = connReading
}

// receive reads what the socket has and feeds the parser; the step ends
// when the response is complete. A read that fills the buffer is repeated
// (edge-triggered: the socket may hold more); a short one means the socket
// is drained, and new data will raise another edge, unless the event also
// reported the peer's hang-up (whose edge this event consumed): then reads
// go on until EOF or EAGAIN.
func (n *netClient) receive(id int32, events uint32) {
	hup := events&(unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0
	np := n.np
	c := np.conns[id]
	for {
		m, err := unix.Read(c.fd, np.rbuf)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return
		case err != nil:
			n.ioFail(id, ioRead, err, c.p.Received())
			return
		case m == 0:
			n.ioFail(id, ioRead, io.EOF, c.p.Received())
			return
		}
		used, done, perr := c.p.Feed(np.rbuf[:m])
		if perr != nil {
			n.protoFail(id, fmt.Errorf("read response: %w", perr))
			return
		}
		if done {
			if used < m {
				n.protoFail(id, fmt.Errorf("read response: %d unexpected bytes after the response", m-used))
				return
			}
			n.netDone(id)
			return
		}
		if m < len(np.rbuf) && !hup {
			return
		}
	}
}

// netDone ends connection id's step with a complete response and resumes
// its task with the body's digest.
func (n *netClient) netDone(id int32) {
	np := n.np
	c := np.conns[id]
	i := c.task
	s, _ := n.own.netStep(i)
	if err := workload.CheckBody(c.p.Body(), s.Size); err != nil {
		n.protoFail(id, err)
		return
	}
	np.release(id, c.p.KeepAlive())
	n.own.netDone(i, c.dig.Sum64())
}

// idleEvent handles an event on an idle connection: the server closed it
// (EOF, reset) or sent bytes nobody asked for. Either way it cannot carry
// another request, so it is closed now rather than found stale later.
func (n *netClient) idleEvent(id int32) {
	np := n.np
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
func (n *netClient) ioFail(id int32, op netOp, err error, received int64) {
	np := n.np
	c := np.conns[id]
	i := c.task
	retry := workload.RetryStale(c.reused, c.p.Received(), err)
	np.closeConn(id)
	if !retry {
		n.own.netFail(i, n.netError(op, err, received))
		return
	}
	if derr := n.dial(i); derr != nil {
		n.own.netFail(i, derr)
	}
}

// protoFail ends connection id's step with err, a complete message about a
// response the client cannot accept; the connection is closed.
func (n *netClient) protoFail(id int32, err error) {
	np := n.np
	i := np.conns[id].task
	np.closeConn(id)
	n.own.netFail(i, err)
}

// netTimeout runs when slot id's timer fires: the busy connection past its
// deadline fails its task with a timeout and is closed; a timer that fired
// for an earlier step re-arms for the current one.
func (n *netClient) netTimeout(id int32) {
	np := n.np
	c := np.conns[id]
	c.timerAt = 0
	if c.state == connFree || c.state == connIdle {
		return
	}
	if now := n.r.now(); c.deadline > now {
		c.timerAt = c.deadline
		n.r.addTimer(c.deadline, opNetTimeout, id)
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
	n.own.netFail(i, n.netError(op, os.ErrDeadlineExceeded, received))
}

// netError names the cause of err during op with the wording every Net
// client shares (workload.NewNetError).
func (n *netClient) netError(op netOp, err error, received int64) error {
	return workload.NewNetError(n.np.opName(op), err, received, n.np.timeout)
}
