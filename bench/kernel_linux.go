package bench

import (
	"bytes"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// readChars returns rchar from /proc/PID/io (pid 0: this process): the
// bytes the process's read system calls returned, page cache or O_DIRECT
// alike, including those of its reaped children (the kernel adds a child's
// counters to its parent's at reaping), and false when unreadable.
func readChars(pid int) (int64, bool) {
	p := "/proc/self/io"
	if pid > 0 {
		p = "/proc/" + strconv.Itoa(pid) + "/io"
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("rchar:")); ok {
			n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// threadCPU returns the calling thread's CPU time (lock the goroutine to
// its thread around a measurement): a probe's cost that preemption by
// other processes does not inflate.
func threadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}
