package multiproc

import (
	"testing"

	"go.uber.org/goleak"

	"concbench/internal/child"
)

// TestMain makes the test binary usable as a worker: re-executed with
// CONCBENCH_ROLE set, child.Main runs the role and exits before any test.
func TestMain(m *testing.M) {
	child.Main()
	goleak.VerifyTestMain(m)
}
