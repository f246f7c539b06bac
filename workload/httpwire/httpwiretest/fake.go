// Package httpwiretest provides a misbehaving-on-demand HTTP/1.1 server for
// tests of the Net step clients (the blocking one in workload and the event
// loop's non-blocking one), so both are tested against the same fakes.
package httpwiretest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"concbench/workload/httpwire"
)

// Fake accepts connections on 127.0.0.1 and answers each request with a
// handler that may misbehave; it counts accepted connections. It is closed,
// with every connection and goroutine, by the test's cleanup.
type Fake struct {
	ln       net.Listener
	accepted atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

// New starts a Fake. handle answers one request on c and returns false to
// close the connection.
func New(t testing.TB, handle func(c net.Conn, req *http.Request) bool) *Fake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &Fake{ln: ln}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.accepted.Add(1)
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil || !handle(c, req) {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
		f.wg.Wait()
	})
	return f
}

// Addr is the host:port the fake listens on.
func (f *Fake) Addr() string { return f.ln.Addr().String() }

// Accepted counts the connections accepted so far.
func (f *Fake) Accepted() int64 { return f.accepted.Load() }

// Answer writes a valid response to req with a body of size bytes: the
// content the latency server sends for the request's seed
// (httpwire.WriteBody), so clients digest what they would from the server.
func Answer(c net.Conn, req *http.Request, size int) bool {
	var seed uint64
	fmt.Sscan(req.URL.Query().Get("seed"), &seed)
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", size)
	httpwire.WriteBody(&b, seed, int64(size))
	_, err := c.Write(b.Bytes())
	return err == nil
}

// ReqSize is the size= query parameter of a request.
func ReqSize(req *http.Request) int {
	var n int
	fmt.Sscan(req.URL.Query().Get("size"), &n)
	return n
}
