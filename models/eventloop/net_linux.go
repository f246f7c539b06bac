//go:build linux

package eventloop

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"concbench/models"
	"concbench/workload"
	"concbench/workload/httpwire"

	"golang.org/x/sys/unix"
)

// connState is where a connection is in its request/response cycle.
type connState uint8

const (
	// connFree: the slot holds no socket.
	connFree connState = iota
	// connIdle: an open keep-alive socket in the idle pool.
	connIdle
	// connConnecting: a non-blocking connect is in progress.
	connConnecting
	// connWriting: the request is (partly) unsent.
	connWriting
	// connReading: the request is sent, the response is being read.
	connReading
)

// netConn is one client connection to the latency server and everything a
// request on it needs: the loop keeps these in a table indexed by
// connection, so a task waiting on the network costs its 16-byte taskState
// plus the connection it holds, and an idle connection is not tied to a
// task at all. Only the loop thread touches it.
type netConn struct {
	fd    int
	state connState
	// reused marks a connection that carried an earlier response: if it
	// fails before any byte of the next arrives, the server had closed it
	// while idle, and the request is retried once on a fresh connection.
	reused bool
	// task is the task whose Net step the connection serves (busy states).
	task int32
	// idlePos is the connection's index in netPool.idle (connIdle).
	idlePos int32
	// deadline is the current step's deadline on the loop's clock.
	deadline int64
	// timerAt is when the slot's one pending timeout timer fires (0: none).
	// It survives the slot's reuse: the timer checks deadline when it fires.
	timerAt int64
	// sent counts the request bytes written.
	sent int
	req  []byte
	p    httpwire.Parser
}

// netPool is the loop's keep-alive connection pool: a table of connection
// slots, a stack of idle connections (at most maxIdle kept), and a free
// list of slots. A slot closed during a run of ready callbacks goes to
// freeing and is reused only from the next iteration, so an epoll event
// already queued for its old socket can never reach a new one.
type netPool struct {
	addr    string
	connect string // "connect " + addr, the op of connect errors
	timeout time.Duration
	maxIdle int

	sa     unix.Sockaddr
	family int
	saErr  error

	conns   []*netConn
	idle    []int32
	free    []int32
	freeing []int32
	// rbuf is the one read buffer of the loop: reads never overlap on its
	// single thread, so each connection needs only its parser's state.
	rbuf []byte
}

func newNetPool(addr string, maxIdle int, timeout time.Duration) *netPool {
	return &netPool{
		addr:    addr,
		connect: "connect " + addr,
		timeout: timeout,
		maxIdle: max(maxIdle, 1),
		rbuf:    make([]byte, httpwire.ReadBufferSize),
	}
}

// resolve finds the server's socket address once per run (the address is
// normally a literal IP, so this does not touch DNS).
func (np *netPool) resolve() error {
	if np.sa != nil || np.saErr != nil {
		return np.saErr
	}
	ta, err := net.ResolveTCPAddr("tcp", np.addr)
	if err != nil {
		np.saErr = &workload.NetError{Op: np.connect, Cause: err.Error(), Err: err}
		return np.saErr
	}
	if ip4 := ta.IP.To4(); ip4 != nil {
		sa := &unix.SockaddrInet4{Port: ta.Port}
		copy(sa.Addr[:], ip4)
		np.sa, np.family = sa, unix.AF_INET
	} else {
		sa := &unix.SockaddrInet6{Port: ta.Port}
		copy(sa.Addr[:], ta.IP.To16())
		np.sa, np.family = sa, unix.AF_INET6
	}
	return nil
}

// slot returns a free connection slot.
func (np *netPool) slot() int32 {
	if n := len(np.free); n > 0 {
		id := np.free[n-1]
		np.free = np.free[:n-1]
		return id
	}
	np.conns = append(np.conns, &netConn{fd: -1, req: make([]byte, 0, 128)})
	return int32(len(np.conns) - 1)
}

// recycle makes the slots closed in the last iteration reusable.
func (np *netPool) recycle() {
	if len(np.freeing) > 0 {
		np.free = append(np.free, np.freeing...)
		np.freeing = np.freeing[:0]
	}
}

// closeConn closes connection id's socket (which also removes it from the
// epoll set) and retires its slot.
func (np *netPool) closeConn(id int32) {
	c := np.conns[id]
	if c.state == connFree {
		return
	}
	if c.state == connIdle {
		np.unidle(id)
	}
	_ = unix.Close(c.fd)
	c.fd, c.state, c.reused, c.task = -1, connFree, false, -1
	np.freeing = append(np.freeing, id)
}

// unidle removes connection id from the idle stack.
func (np *netPool) unidle(id int32) {
	c := np.conns[id]
	last := len(np.idle) - 1
	moved := np.idle[last]
	np.idle[c.idlePos] = moved
	np.conns[moved].idlePos = c.idlePos
	np.idle = np.idle[:last]
}

// release ends connection id's step: back to the idle pool if keep and
// there is room, closed otherwise.
func (np *netPool) release(id int32, keep bool) {
	c := np.conns[id]
	if !keep || len(np.idle) >= np.maxIdle {
		np.closeConn(id)
		return
	}
	c.state, c.reused, c.task = connIdle, true, -1
	c.idlePos = int32(len(np.idle))
	np.idle = append(np.idle, id)
}

// closeAll closes every socket; the run is over.
func (np *netPool) closeAll() {
	for id, c := range np.conns {
		if c.state != connFree {
			np.closeConn(int32(id))
		}
	}
	np.idle = np.idle[:0]
}

// startNet begins Net step s of task i on an idle keep-alive connection,
// or on a new one.
func (e *engine) startNet(i int32, s *workload.Step) error {
	np := e.net
	if np == nil {
		return workload.ErrNoServer
	}
	if n := len(np.idle); n > 0 {
		id := np.idle[n-1]
		np.idle = np.idle[:n-1]
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
		return e.netError(np.connect, err, -1)
	}
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	id := np.slot()
	c := np.conns[id]
	c.fd, c.state, c.reused = fd, connConnecting, false
	if err := e.r.poll.add(fd, unix.EPOLLIN|unix.EPOLLOUT|unix.EPOLLRDHUP|unix.EPOLLET, opConn, id); err != nil {
		np.closeConn(id)
		return err
	}
	e.begin(id, i)
	c.state = connConnecting
	switch err := unix.Connect(fd, np.sa); err {
	case nil:
		e.send(id) // connected at once
	case unix.EINPROGRESS, unix.EINTR:
		// wait for EPOLLOUT (connected) or EPOLLERR (refused)
	default:
		e.connFail(id, np.connect, err, -1)
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
	c.sent = 0
	s := &e.tasks[i].Steps[e.st[i].step]
	c.req = httpwire.AppendRequest(c.req[:0], np.addr, s.Dur, s.Size)
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
			e.connFail(id, np.connect, err, -1)
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
			e.connFail(id, "send request", err, -1)
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
			e.connFail(id, "read response", err, c.p.Received())
			return
		case n == 0:
			e.connFail(id, "read response", io.EOF, c.p.Received())
			return
		}
		used, done, perr := c.p.Feed(np.rbuf[:n])
		if perr != nil {
			e.connFail(id, "", fmt.Errorf("read response: %w", perr), -1)
			return
		}
		if done {
			if used < n {
				e.connFail(id, "", fmt.Errorf("read response: %d unexpected bytes after the response", n-used), -1)
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
// its task.
func (e *engine) netDone(id int32) {
	np := e.net
	c := np.conns[id]
	i := c.task
	want := e.tasks[i].Steps[e.st[i].step].Size
	if got := c.p.Body(); got != want {
		e.connFail(id, "", fmt.Errorf("response has %d body bytes, want %d", got, want), -1)
		return
	}
	np.release(id, c.p.KeepAlive())
	e.resume(i, uint64(want))
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

// connFail ends connection id's step with an error: the connection is
// closed, and the task fails, unless the connection was a reused one the
// server had closed while idle (nothing of the response arrived): then the
// request is retried once on a fresh connection, as the blocking pool does.
// With op == "" err is already the whole message.
func (e *engine) connFail(id int32, op string, err error, received int64) {
	np := e.net
	c := np.conns[id]
	i := c.task
	retry := op != "" && c.reused && c.p.Received() == 0 &&
		(err == io.EOF || errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE))
	np.closeConn(id)
	if retry {
		if derr := e.dial(i); derr != nil {
			e.fail(i, derr)
		}
		return
	}
	if op != "" {
		err = e.netError(op, err, received)
	}
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
	op := "read response"
	switch c.state {
	case connConnecting:
		op = np.connect
	case connWriting:
		op = "send request"
	}
	i := c.task
	received := c.p.Received()
	np.closeConn(id)
	e.fail(i, e.netError(op, os.ErrDeadlineExceeded, received))
}

// netError names the cause of err during op with the wording every Net
// client shares (workload.NewNetError).
func (e *engine) netError(op string, err error, received int64) error {
	return workload.NewNetError(op, err, received, e.net.timeout)
}

// netPoolFor returns the pool of a trial, or nil when it has no server.
func netPoolFor(tr *models.Trial, limit int) *netPool {
	env := tr.Env
	if env.ServerAddr == "" {
		return nil
	}
	timeout := env.StepTimeout
	if timeout <= 0 {
		timeout = workload.DefaultStepTimeout
	}
	conns := models.Conns(limit, len(tr.Tasks))
	if env.Conns > 0 {
		conns = env.Conns
	}
	return newNetPool(env.ServerAddr, conns, timeout)
}
