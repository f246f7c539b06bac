package serverrole

import (
	"testing"

	"go.uber.org/goleak"

	"concbench/internal/child"
	// Every model registers itself: the server processes this test binary
	// re-executes look models up by name.
	_ "concbench/models/all"
)

// TestMain runs a re-executed server, prefork worker or generator role
// first, and fails the package if a test leaves a goroutine behind.
func TestMain(m *testing.M) {
	child.Main()
	goleak.VerifyTestMain(m)
}
