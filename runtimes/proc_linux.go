//go:build linux

package runtimes

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// supported reports whether runtime models can run on this system.
func supported() error { return nil }

// sysProcAttr makes the runner die with the trial process (Pdeathsig) and
// lead its own process group, so killGroup reaches its pool workers too.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// killGroup kills the runner's process group: the runner and every
// process it forked (ProcessPoolExecutor workers).
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}

// monotonicNow reads CLOCK_MONOTONIC in ns: the clock of Python's
// time.monotonic_ns and Node's process.hrtime.bigint.
func monotonicNow() int64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}
