package workload

import (
	"concbench/workload/httpwire/httpwiretest"

	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func netExec(t *testing.T, addr string, timeout time.Duration) *Exec {
	t.Helper()
	ex, err := NewExec(Env{ServerAddr: addr, StepTimeout: timeout}, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	return ex
}

func TestNetKeepAlive(t *testing.T) {
	checkFDs(t)
	f := httpwiretest.New(t, func(c net.Conn, req *http.Request) bool {
		if req.URL.Path != "/io" || req.Header.Get("Connection") != "keep-alive" {
			return false
		}
		return httpwiretest.Answer(c, req, httpwiretest.ReqSize(req))
	})
	ex := netExec(t, f.Addr(), 0)
	for i := 0; i < 20; i++ {
		out, err := runStep(context.Background(), ex, NetStep(0, int64(i*100)))
		if want := NetDigest(NetSeed(0, 0), int64(i*100)); err != nil || out != want {
			t.Fatalf("step %d: %#x, %v; want the body's digest %#x", i, out, err, want)
		}
	}
	if n := f.Accepted(); n != 1 {
		t.Errorf("%d connections for 20 sequential steps, want 1 (keep-alive)", n)
	}
}

// TestNetStaleRetry: the server closes an idle connection; the next step
// retries once on a fresh one.
func TestNetStaleRetry(t *testing.T) {
	checkFDs(t)
	f := httpwiretest.New(t, func(c net.Conn, req *http.Request) bool {
		httpwiretest.Answer(c, req, httpwiretest.ReqSize(req))
		return false // close after each response, without saying so
	})
	ex := netExec(t, f.Addr(), 0)
	for i := 0; i < 5; i++ {
		if _, err := runStep(context.Background(), ex, NetStep(0, 10)); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		time.Sleep(10 * time.Millisecond) // let the close arrive
	}
}

func TestNetFaults(t *testing.T) {
	tests := []struct {
		name    string
		handle  func(c net.Conn, req *http.Request) bool
		size    int64
		timeout time.Duration
		want    string
	}{
		{"reset", func(c net.Conn, _ *http.Request) bool {
			c.(*net.TCPConn).SetLinger(0)
			return false
		}, 10, 0, "read response: connection reset by peer after 0 bytes"},
		{"short", func(c net.Conn, _ *http.Request) bool {
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"))
			return false
		}, 100, 0, "read response: unexpected EOF after 50 bytes"},
		{"malformed", func(c net.Conn, _ *http.Request) bool {
			c.Write([]byte("HTTP/1.1 OK\r\n\r\n"))
			return false
		}, 10, 0, "read response: malformed HTTP response: bad status line"},
		{"chunked", func(c net.Conn, _ *http.Request) bool {
			c.Write([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"))
			return true
		}, 10, 0, "Transfer-Encoding"},
		{"400", func(c net.Conn, _ *http.Request) bool {
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 15\r\n\r\nsize too large\n"))
			return true
		}, 10, 0, "read response: server answered 400: size too large"},
		{"wrong size", func(c net.Conn, req *http.Request) bool { return httpwiretest.Answer(c, req, 7) }, 10, 0, "response has 7 body bytes, want 10"},
		{"trailing bytes", func(c net.Conn, req *http.Request) bool {
			c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA"))
			return true
		}, 1, 0, "5 unexpected bytes after the response"},
		{"timeout", func(c net.Conn, _ *http.Request) bool {
			time.Sleep(time.Second)
			return false
		}, 10, 100 * time.Millisecond, "read response: timeout after 100ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkFDs(t)
			f := httpwiretest.New(t, tt.handle)
			ex := netExec(t, f.Addr(), tt.timeout)
			_, err := runStep(context.Background(), ex, NetStep(0, tt.size))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			ex.Close()
		})
	}
}

func TestNetUnreachable(t *testing.T) {
	checkFDs(t)
	ex := netExec(t, "127.0.0.1:1", 0)
	_, err := runStep(context.Background(), ex, NetStep(0, 1))
	var ne *NetError
	if err == nil || err.Error() != "connect 127.0.0.1:1: connection refused" || !errors.As(err, &ne) {
		t.Fatalf("err = %v", err)
	}
}

// TestNetCancel: ending the context aborts a blocked read at once.
func TestNetCancel(t *testing.T) {
	checkFDs(t)
	release := make(chan struct{})
	f := httpwiretest.New(t, func(c net.Conn, _ *http.Request) bool {
		<-release
		return false
	})
	defer close(release)
	ex := netExec(t, f.Addr(), time.Minute)
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(50*time.Millisecond, func() { cancel(errors.New("trial failed")) })
	_, err := runStep(ctx, ex, NetStep(0, 1))
	if err == nil || !strings.Contains(err.Error(), "cancelled: trial failed") {
		t.Fatalf("err = %v", err)
	}
	// A step on a dead context does not start.
	if _, err := runStep(ctx, ex, NetStep(0, 1)); err == nil {
		t.Fatal("step ran on a cancelled context")
	}
}

func TestNoServerNoFiles(t *testing.T) {
	ex, err := NewExec(Env{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	if _, err := runStep(context.Background(), ex, NetStep(0, 1)); !errors.Is(err, ErrNoServer) {
		t.Errorf("net: %v", err)
	}
	if _, err := runStep(context.Background(), ex, FileStep(0, 1)); !errors.Is(err, ErrNoFiles) {
		t.Errorf("file: %v", err)
	}
}
