//go:build linux

package server

import "golang.org/x/sys/unix"

// monotonic returns CLOCK_MONOTONIC in ns, the clock of the ledger's
// stamps: the one the harness's Recorder reads (Go's monotonic clock), and
// every process on the host shares.
func monotonic() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}
