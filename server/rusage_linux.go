//go:build linux

package server

import (
	"os"
	"syscall"
)

// maxRSS returns the peak RSS of a reaped process in bytes (Linux reports
// KiB).
func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024
	}
	return 0
}
