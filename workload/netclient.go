package workload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"concbench/workload/httpwire"
)

// netPool is the keep-alive connection pool of one Exec: blocking net.Conns
// to the latency server, each with its own request and read buffers and
// response parser, so a Net step allocates nothing once its connection
// exists. Idle connections are reused (up to maxIdle kept); a connection
// that failed in any way is closed, never reused.
//
// Note: a blocking read does not watch the trial's context. Instead the
// pool registers one context.AfterFunc per trial context that sets a past
// deadline on every active connection, so a failed or cancelled trial
// never waits for slow responses (one registration per trial, not one per
// step, keeps the per-step cost to a mutex the pool takes anyway).
type netPool struct {
	addr    string
	timeout time.Duration
	dialer  net.Dialer
	maxIdle int

	mu        sync.Mutex
	idle      []*conn
	active    map[*conn]struct{}
	watched   <-chan struct{} // Done of the context being watched
	stopWatch func() bool
	closed    bool
}

// conn is one pooled connection with everything a request needs.
type conn struct {
	c      net.Conn
	req    []byte
	buf    []byte
	p      httpwire.Parser
	dig    *Digester // the parser's Sink: the body's digest
	reused bool
}

func newNetPool(addr string, maxIdle int, timeout time.Duration) *netPool {
	return &netPool{
		addr:    addr,
		timeout: timeout,
		dialer:  net.Dialer{Timeout: timeout},
		maxIdle: maxIdle,
		idle:    make([]*conn, 0, min(maxIdle, 1024)),
		active:  make(map[*conn]struct{}, min(maxIdle, 1024)),
	}
}

// past is a deadline in the past: it makes blocked reads return at once.
var past = time.Unix(1, 0)

// do runs one Net step: a request with seed on a pooled connection and the
// response, whose body digest it returns.
func (np *netPool) do(ctx context.Context, s Step, seed uint64) (uint64, error) {
	c, err := np.get(ctx)
	if err != nil {
		return 0, err
	}
	n, err := np.roundTrip(ctx, c, s, seed)
	if err != nil && RetryStale(c.reused, c.p.Received(), err) && ctx.Err() == nil {
		np.release(c, false)
		if c, err = np.dial(ctx); err != nil {
			return 0, err
		}
		n, err = np.roundTrip(ctx, c, s, seed)
	}
	np.release(c, err == nil && c.p.KeepAlive())
	return n, err
}

// get returns an idle connection, or a new one, marked active with the
// step's deadline set.
func (np *netPool) get(ctx context.Context) (*conn, error) {
	np.mu.Lock()
	if done := ctx.Done(); done != nil && done != np.watched {
		if np.stopWatch != nil {
			np.stopWatch()
		}
		np.watched = done
		np.stopWatch = context.AfterFunc(ctx, np.abort)
	}
	if err := ctx.Err(); err != nil {
		np.mu.Unlock()
		return nil, fmt.Errorf("cancelled: %w", context.Cause(ctx))
	}
	if n := len(np.idle); n > 0 {
		c := np.idle[n-1]
		np.idle[n-1] = nil
		np.idle = np.idle[:n-1]
		np.activate(c)
		np.mu.Unlock()
		return c, nil
	}
	np.mu.Unlock()
	return np.dial(ctx)
}

// activate marks c in use and starts its step deadline; np.mu is held, so
// abort either sees c or happens before (and ctx.Err is checked after).
func (np *netPool) activate(c *conn) {
	np.active[c] = struct{}{}
	c.c.SetDeadline(time.Now().Add(np.timeout))
}

// dial opens a new connection, marked active.
func (np *netPool) dial(ctx context.Context) (*conn, error) {
	nc, err := np.dialer.DialContext(ctx, "tcp", np.addr)
	if err != nil {
		return nil, np.opError(ctx, "connect "+np.addr, err, -1)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	c := &conn{c: nc, req: make([]byte, 0, 128), buf: make([]byte, httpwire.ReadBufferSize), dig: NewDigester()}
	c.p.Sink = c.dig
	np.mu.Lock()
	if err := ctx.Err(); err != nil || np.closed {
		np.mu.Unlock()
		nc.Close()
		if err == nil {
			return nil, errors.New("connection pool closed")
		}
		return nil, fmt.Errorf("cancelled: %w", context.Cause(ctx))
	}
	np.activate(c)
	np.mu.Unlock()
	return c, nil
}

// release returns c to the idle list if keep is set and there is room, and
// closes it otherwise.
func (np *netPool) release(c *conn, keep bool) {
	np.mu.Lock()
	delete(np.active, c)
	if keep && !np.closed && len(np.idle) < np.maxIdle {
		c.reused = true
		np.idle = append(np.idle, c)
		np.mu.Unlock()
		return
	}
	np.mu.Unlock()
	c.c.Close()
}

// abort makes every active connection's blocked call return at once.
func (np *netPool) abort() {
	np.mu.Lock()
	defer np.mu.Unlock()
	for c := range np.active {
		c.c.SetDeadline(past)
	}
}

// close closes the idle connections; active ones close when released.
func (np *netPool) close() {
	np.mu.Lock()
	np.closed = true
	idle := np.idle
	np.idle = nil
	if np.stopWatch != nil {
		np.stopWatch()
	}
	np.mu.Unlock()
	for _, c := range idle {
		c.c.Close()
	}
}

// roundTrip sends the step's request on c and reads the whole response,
// digesting its body as it arrives.
func (np *netPool) roundTrip(ctx context.Context, c *conn, s Step, seed uint64) (uint64, error) {
	c.p.Reset()
	c.dig.Reset()
	c.req = httpwire.AppendRequest(c.req[:0], np.addr, s.Dur, s.Size, seed)
	if _, err := c.c.Write(c.req); err != nil {
		return 0, np.opError(ctx, "send request", err, -1)
	}
	for {
		k, err := c.c.Read(c.buf)
		if k > 0 {
			used, done, perr := c.p.Feed(c.buf[:k])
			if perr != nil {
				return 0, fmt.Errorf("read response: %w", perr)
			}
			if done {
				if used < k {
					return 0, fmt.Errorf("read response: %d unexpected bytes after the response", k-used)
				}
				break
			}
		}
		if err != nil {
			return 0, np.opError(ctx, "read response", err, c.p.Received())
		}
	}
	if err := CheckBody(c.p.Body(), s.Size); err != nil {
		return 0, err
	}
	return c.dig.Sum64(), nil
}

// CheckBody is the check every Net client makes on a complete response:
// its body has the size the step asked for.
func CheckBody(got, want int64) error {
	if got != want {
		return fmt.Errorf("response has %d body bytes, want %d", got, want)
	}
	return nil
}

// NetError is a failed Net step's I/O, named by its cause: "connect
// 127.0.0.1:1: connection refused", "read response: unexpected EOF after
// 12 bytes", "read response: timeout after 30s".
type NetError struct {
	Op    string // "connect 127.0.0.1:1", "send request", "read response"
	Cause string
	Err   error
}

// Error renders Op and Cause.
func (e *NetError) Error() string { return e.Op + ": " + e.Cause }

// Unwrap returns the underlying error.
func (e *NetError) Unwrap() error { return e.Err }

// opError names the cause of err during op; received >= 0 adds how many
// response bytes had arrived.
func (np *netPool) opError(ctx context.Context, op string, err error, received int64) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: cancelled: %w", op, context.Cause(ctx))
	}
	return NewNetError(op, err, received, np.timeout)
}

// NewNetError names the cause of err during op the way every Net client
// reports it (the blocking one here and the event loop's): "connect
// 127.0.0.1:1: connection refused", "read response: unexpected EOF after
// 12 bytes", "read response: timeout after 30s". received >= 0 adds how
// many response bytes had arrived; timeout is the step timeout in force.
func NewNetError(op string, err error, received int64, timeout time.Duration) *NetError {
	after := ""
	if received >= 0 {
		after = fmt.Sprintf(" after %d bytes", received)
	}
	var errno syscall.Errno
	var cause string
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded), isTimeout(err):
		cause = fmt.Sprintf("timeout after %v", timeout)
		if received > 0 {
			cause += fmt.Sprintf(" (%d bytes received)", received)
		}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		cause = "unexpected EOF" + after
	case errors.As(err, &errno):
		cause = errno.Error() + after
	default:
		cause = err.Error() + after
	}
	return &NetError{Op: op, Cause: cause, Err: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// RetryStale is the stale-connection rule every Net client follows: a
// request that failed on a reused keep-alive connection before any byte of
// its response arrived (received == 0), with the error a socket the server
// had closed while idle gives (EOF, ECONNRESET, EPIPE), never reached the
// server, and is retried once on a fresh connection (GET is idempotent).
// A cancelled trial does not retry.
func RetryStale(reused bool, received int64, err error) bool {
	return reused && received == 0 &&
		(errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE))
}
