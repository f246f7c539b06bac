//go:build linux

package eventloop

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"unsafe"

	"concbench/workload"

	"golang.org/x/sys/unix"
)

// directAlign is the buffer, offset and length alignment of O_DIRECT reads,
// as in workload's blocking reader (the largest logical block size in
// common use).
const directAlign = 4096

// fileSet is a trial's data files, opened once per Run and read by the
// thread pool: the same positional reads as workload's blocking models
// (pread of Step.Size bytes at Step.Off from file workload.FileIndex; with
// O_DIRECT the block-aligned window covering them, into aligned buffers).
type fileSet struct {
	fds    []int
	names  []string
	direct bool
	bufs   sync.Pool // of *[]byte, aligned to directAlign
}

// openFiles opens paths read-only, with O_DIRECT when direct is set.
func openFiles(paths []string, direct bool) (*fileSet, error) {
	fs := &fileSet{direct: direct, names: paths, fds: make([]int, 0, len(paths))}
	flags := unix.O_RDONLY | unix.O_CLOEXEC
	if direct {
		flags |= unix.O_DIRECT
	}
	for _, p := range paths {
		fd, err := unix.Open(p, flags, 0)
		if err != nil {
			fs.close()
			if direct && err == unix.EINVAL {
				return nil, fmt.Errorf("open data file %s: O_DIRECT is not supported on this file system (tmpfs refuses it; put the data files on a disk file system or read through the page cache): %w", p, err)
			}
			return nil, fmt.Errorf("open data file: %w", &os.PathError{Op: "open", Path: p, Err: err})
		}
		fs.fds = append(fs.fds, fd)
	}
	return fs, nil
}

func (fs *fileSet) close() error {
	var errs []error
	for k, fd := range fs.fds {
		if err := unix.Close(fd); err != nil {
			errs = append(errs, &os.PathError{Op: "close", Path: fs.names[k], Err: err})
		}
	}
	fs.fds = nil
	return errors.Join(errs...)
}

// read runs a File step on the calling (pool) thread.
func (fs *fileSet) read(t workload.Task, s workload.Step) (uint64, error) {
	if s.Size < 0 || s.Off < 0 {
		return 0, fmt.Errorf("bad file step: %d bytes at offset %d", s.Size, s.Off)
	}
	k := workload.FileIndex(t, len(fs.fds))
	fd, name := fs.fds[k], fs.names[k]
	off, end := s.Off, s.Off+s.Size
	if fs.direct {
		off = off &^ (directAlign - 1)
		end = (end + directAlign - 1) &^ (directAlign - 1)
	}
	bp := fs.buffer(end - off)
	defer fs.bufs.Put(bp)
	buf := (*bp)[:end-off]
	n, err := preadFull(fd, buf, off)
	if off+int64(n) >= s.Off+s.Size {
		// Complete; with O_DIRECT the aligned window may end past EOF.
		return uint64(s.Size), nil
	}
	switch {
	case err == nil:
		got := max(off+int64(n)-s.Off, 0)
		return 0, fmt.Errorf("short read from %s: %d of %d bytes at offset %d (file too small)", name, got, s.Size, s.Off)
	case fs.direct && err == unix.EINVAL:
		return 0, fmt.Errorf("O_DIRECT read of %s: not supported on this file system, or not %d-byte aligned: %w", name, directAlign, err)
	}
	return 0, fmt.Errorf("read data file: %w", &os.PathError{Op: "pread", Path: name, Err: err})
}

// preadFull reads len(buf) bytes at off, or up to end of file (err nil).
func preadFull(fd int, buf []byte, off int64) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := unix.Pread(fd, buf[n:], off+int64(n))
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return n, err
		case k == 0:
			return n, nil
		}
		n += k
	}
	return n, nil
}

// buffer returns a pooled buffer of at least n bytes, aligned to
// directAlign (needed by O_DIRECT, harmless otherwise).
func (fs *fileSet) buffer(n int64) *[]byte {
	if bp, ok := fs.bufs.Get().(*[]byte); ok && int64(cap(*bp)) >= n {
		return bp
	}
	b := make([]byte, n+directAlign)
	skip := int((directAlign - uintptr(unsafe.Pointer(&b[0]))%directAlign) % directAlign)
	b = b[skip : skip+int(n) : skip+int(n)]
	return &b
}
