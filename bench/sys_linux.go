//go:build linux

package bench

import (
	"errors"

	"golang.org/x/sys/unix"
)

// freeBytes returns the bytes an unprivileged user may still write in the
// file system holding dir.
func freeBytes(dir string) (int64, bool) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return int64(st.Bavail) * st.Bsize, true
}

// processAlive reports whether a process with this PID exists (zombies
// included: their parent has not reaped them yet).
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}
