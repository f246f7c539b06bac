//go:build linux

package runtimes

import (
	"os"
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

// inheritNofile makes the soft RLIMIT_NOFILE the Go runtime raised at
// start the one runners inherit: os/exec restores the original soft limit
// in children unless the process set the limit itself, and a server
// runner holds 10,000+ connections (Node.js cannot raise its own).
func inheritNofile() error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return os.NewSyscallError("getrlimit", err)
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return os.NewSyscallError("setrlimit", err)
	}
	return nil
}
