package bench

import (
	"testing"

	"go.uber.org/goleak"

	"concbench/internal/child"
)

// TestMain lets this test binary act as a trial child or worker process
// (child.Main returns at once otherwise) and checks for leaked goroutines.
func TestMain(m *testing.M) {
	child.Main()
	goleak.VerifyTestMain(m)
}
