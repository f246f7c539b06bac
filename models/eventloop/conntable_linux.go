//go:build linux

package eventloop

import (
	"net"
	"time"

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

// netOp is the I/O operation a Net step was in when it failed; it names
// the failure ("connect 127.0.0.1:1: connection refused").
type netOp uint8

const (
	ioConnect netOp = iota
	ioSend
	ioRead
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
	// while idle, and the request is retried once on a fresh connection
	// (workload.RetryStale).
	reused bool
	// task is the owner's index (a task of the engine, a client connection
	// of the server) whose Net step the connection serves (busy states).
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
	// dig is p's Sink: the digest of the response body, fed as it arrives.
	dig *workload.Digester
}

// netPool is the loop's connection table and keep-alive pool: connection
// slots, a stack of idle connections (at most maxIdle kept), and a free
// list of slots. A slot closed during a run of ready callbacks goes to
// freeing and is reused only from the next iteration, so an epoll event
// already queued for its old socket can never reach a new one. The request
// state machine on top of it is in net_linux.go.
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

// opName renders op the way Net errors name it.
func (np *netPool) opName(op netOp) string {
	switch op {
	case ioConnect:
		return np.connect
	case ioSend:
		return "send request"
	}
	return "read response"
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

// takeIdle pops an idle keep-alive connection; ok is false when none is.
func (np *netPool) takeIdle() (id int32, ok bool) {
	n := len(np.idle)
	if n == 0 {
		return -1, false
	}
	id = np.idle[n-1]
	np.idle = np.idle[:n-1]
	return id, true
}

// open puts a new socket fd into a free slot, connecting.
func (np *netPool) open(fd int) int32 {
	id := np.slot()
	c := np.conns[id]
	c.fd, c.state, c.reused = fd, connConnecting, false
	return id
}

// slot returns a free connection slot.
func (np *netPool) slot() int32 {
	if n := len(np.free); n > 0 {
		id := np.free[n-1]
		np.free = np.free[:n-1]
		return id
	}
	c := &netConn{fd: -1, req: make([]byte, 0, 128), dig: workload.NewDigester()}
	c.p.Sink = c.dig
	np.conns = append(np.conns, c)
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
