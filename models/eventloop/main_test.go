package eventloop

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind (pool
// workers, context.AfterFunc callbacks).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
