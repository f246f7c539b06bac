//go:build linux

package multiproc

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// pipe returns a blocking, close-on-exec pipe.
//
// Note: the parent's ends are raw fds read and written with blocking
// syscalls rather than *os.File in the netpoller: a result then wakes the
// thread blocked in read(2) directly instead of going through epoll and
// the scheduler, which shortens the no-op round trip.
func pipe() (r, w int, err error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC); err != nil {
		return 0, 0, os.NewSyscallError("pipe2", err)
	}
	return fds[0], fds[1], nil
}

// fdReader reads a raw blocking fd.
type fdReader int

// Read implements io.Reader, retrying on EINTR.
func (fd fdReader) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(int(fd), p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, os.NewSyscallError("read", err)
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// fdWriter writes a raw blocking fd.
type fdWriter int

// write writes all of b, retrying on EINTR and short writes.
func (fd fdWriter) write(b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(int(fd), b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("write", err)
		}
		b = b[n:]
	}
	return nil
}
