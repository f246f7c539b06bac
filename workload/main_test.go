package workload

import (
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// checkFDs fails the test if it ends with more open fds than it began.
func checkFDs(t *testing.T) {
	t.Helper()
	count := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			return -1
		}
		return len(ents)
	}
	before := count()
	t.Cleanup(func() {
		// Peers close their ends asynchronously: give them a moment.
		after := count()
		for i := 0; i < 100 && after > before; i++ {
			time.Sleep(20 * time.Millisecond)
			after = count()
		}
		if after > before {
			t.Errorf("fd leak: %d open fds before, %d after", before, after)
		}
	})
}
