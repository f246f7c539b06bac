//go:build linux

package models

import "golang.org/x/sys/unix"

// Gettid returns the calling OS thread's id.
func Gettid() int32 { return int32(unix.Gettid()) }

// monotonic reads CLOCK_MONOTONIC in ns (what Go's monotonic clock,
// Python's time.monotonic_ns and Node's process.hrtime read on Linux).
func monotonic() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}
