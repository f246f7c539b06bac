package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"concbench/internal/child"
)

// TestMain lets the test binary run as a spawned latency server (child
// role) and checks that no test leaks a goroutine.
func TestMain(m *testing.M) {
	child.Main()
	goleak.VerifyTestMain(m)
}

// countFDs returns how many file descriptors this process has open.
func countFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count fds: %v", err)
	}
	return len(ents)
}

// checkFDs fails the test if it ends with more open fds than it began.
func checkFDs(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("/proc", "self", "fd")); err != nil {
		return
	}
	before := countFDs(t)
	t.Cleanup(func() {
		// Peers close their ends asynchronously: give them a moment.
		after := countFDs(t)
		for i := 0; i < 100 && after > before; i++ {
			time.Sleep(20 * time.Millisecond)
			after = countFDs(t)
		}
		if after > before {
			t.Errorf("fd leak: %d open fds before, %d after", before, after)
		}
	})
}
