package eventloop

import (
	"net"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind (pool
// workers, context.AfterFunc callbacks).
func TestMain(m *testing.M) {
	// The Go runtime's netpoller opens its epoll fd and wake-up eventfd on
	// first use and keeps them: start it before any test counts fds.
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
	}
	goleak.VerifyTestMain(m)
}
