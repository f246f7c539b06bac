package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// keepAlive opens a connection to s, makes one keep-alive request on it
// and reads the whole answer, so the connection is then idle.
func keepAlive(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "GET /io?delay=0s&size=1 HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return c
}

// closedByServer reports whether the server closed c within wait.
func closedByServer(c net.Conn, wait time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(wait))
	_, err := c.Read(make([]byte, 1))
	return errors.Is(err, io.EOF)
}

// TestIdleConnectionsBounded (issue 22): idle keep-alive connections are
// bounded in number (one going idle beyond the cap is closed at once) and
// in time (closed after idleTimeout). Before, 3000 idle connections were
// all kept, each for 5 minutes.
func TestIdleConnectionsBounded(t *testing.T) {
	oldMax, oldIdle := maxIdleConns, idleTimeout
	t.Cleanup(func() { maxIdleConns, idleTimeout = oldMax, oldIdle })
	t.Run("count", func(t *testing.T) {
		maxIdleConns = 3
		s := start(t, Options{})
		var conns []net.Conn
		for i := 0; i < 6; i++ {
			conns = append(conns, keepAlive(t, s)) // one at a time: the first 3 are idle first
		}
		for i, c := range conns {
			// The kept ones are not closed within the wait; the others
			// are closed as they go idle (well within it).
			if got, want := closedByServer(c, 300*time.Millisecond), i >= 3; got != want {
				t.Errorf("connection %d closed by the server: %v, want %v", i, got, want)
			}
		}
	})
	t.Run("time", func(t *testing.T) {
		maxIdleConns, idleTimeout = oldMax, 200*time.Millisecond
		s := start(t, Options{})
		if c := keepAlive(t, s); !closedByServer(c, 10*time.Second) {
			t.Error("an idle connection outlived idleTimeout")
		}
	})
}
