package server

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Bounds on idle keep-alive connections: a client (a trial's Net steps)
// reuses its connections between requests, but one that opens thousands
// and leaves them idle must not hold the server's file descriptors for
// long. Variables so tests can shrink them.
var (
	// idleTimeout closes a keep-alive connection idle this long.
	idleTimeout = time.Minute
	// maxIdleConns is how many idle keep-alive connections are kept; a
	// connection that goes idle beyond it is closed at once (its client
	// reconnects for its next request).
	maxIdleConns = 4096
)

// idleConns tracks the idle connections of one server through
// http.Server.ConnState.
type idleConns struct {
	mu   sync.Mutex
	idle map[net.Conn]struct{}
}

// track is the http.Server's ConnState hook.
func (ic *idleConns) track(c net.Conn, st http.ConnState) {
	ic.mu.Lock()
	if ic.idle == nil {
		ic.idle = map[net.Conn]struct{}{}
	}
	if st != http.StateIdle {
		delete(ic.idle, c)
		ic.mu.Unlock()
		return
	}
	full := len(ic.idle) >= maxIdleConns
	if !full {
		ic.idle[c] = struct{}{}
	}
	ic.mu.Unlock()
	if full {
		_ = c.Close()
	}
}
