package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// waitActive waits until the server handles n requests at once.
func waitActive(t *testing.T, s *Server, n int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); s.active.Load() != n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests active, want %d", s.active.Load(), n)
		}
	}
}

// TestShutdownAnswersEveryRequest: requests still waiting when the server
// stops each get a whole response, 503 with a reason, before it exits;
// none has its connection closed under it (issue 11, item 12).
func TestShutdownAnswersEveryRequest(t *testing.T) {
	s, err := Serve(context.Background(), Options{MaxDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3
	type answer struct {
		code int
		body string
		err  error
	}
	got := make(chan answer, n)
	for range n {
		go func() {
			tr := &http.Transport{DisableKeepAlives: true}
			defer tr.CloseIdleConnections()
			resp, err := (&http.Client{Transport: tr}).Get("http://" + s.Addr() + "/io?delay=10s&size=10")
			if err != nil {
				got <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			got <- answer{resp.StatusCode, string(b), err}
		}()
	}
	waitActive(t, s, n)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range n {
		a := <-got
		if a.err != nil || a.code != http.StatusServiceUnavailable || !strings.Contains(a.body, "server shutting down") {
			t.Errorf("in-flight request: status %d body %q err %v; want 503 server shutting down", a.code, a.body, a.err)
		}
	}
}

// TestSlowReaderCutOff: a client that never reads its response cannot hold
// the connection: the write times out and the handler ends.
func TestSlowReaderCutOff(t *testing.T) {
	s := start(t, Options{MaxDelay: time.Second, MaxSize: 64 << 20, WriteTimeout: 300 * time.Millisecond})
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /io?delay=0s&size=67108864 HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// Read the status line only, then stop reading: the body fills the
	// socket buffers and the server's writes block.
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.Contains(line, "200") {
		t.Fatalf("status line %q, %v", line, err)
	}
	waitActive(t, s, 0)
}
