//go:build linux

package workload

import (
	"time"

	"golang.org/x/sys/unix"
)

// BlockThread makes the blocking call of a Block step: nanosleep(2) on the
// calling OS thread. Unlike time.Sleep it parks the thread, not the
// goroutine, so on an event loop it stalls every task.
func BlockThread(d time.Duration) {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	for {
		rem := unix.Timespec{}
		if err := unix.Nanosleep(&ts, &rem); err != unix.EINTR {
			return
		}
		ts = rem
	}
}
