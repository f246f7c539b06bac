package workload

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"unsafe"
)

// MakeFiles creates p.Files data files of p.FileSize bytes each in dir
// (created if missing) and returns their paths, for a trial's File steps
// (Env.Files). Zero fields of p take their defaults. The content is
// deterministic (a xorshift stream seeded by p.Seed and the file's index),
// so every trial reads the same bytes. Each file is written under a
// temporary name and renamed, so a reader never sees half a file.
func MakeFiles(dir string, p Params) ([]string, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.Fill()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("make data files: %w", err)
	}
	paths := make([]string, p.Files)
	buf := make([]byte, 1<<20)
	for i := range paths {
		paths[i] = filepath.Join(dir, fmt.Sprintf("concbench-data-%04d.bin", i))
		if err := writeData(paths[i], p.FileSize, p.Seed*0x9e3779b97f4a7c15+uint64(i)+1, buf); err != nil {
			return nil, fmt.Errorf("make data files: %w", err)
		}
	}
	return paths, nil
}

// writeData writes size bytes of the stream seeded by seed to path.
func writeData(path string, size int64, seed uint64, buf []byte) (err error) {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	// splitmix64 of the seed, so neighbouring seeds give unrelated streams.
	x := seed + 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	x = (x ^ x>>31) | 1
	for left := size; left > 0; {
		n := min(left, int64(len(buf)))
		for i := int64(0); i < n; i += 8 {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			if i+8 <= n {
				binary.LittleEndian.PutUint64(buf[i:], x)
				continue
			}
			for k := int64(0); i+k < n; k++ {
				buf[i+k] = byte(x >> (8 * k))
			}
		}
		if _, err = f.Write(buf[:n]); err != nil {
			return err
		}
		left -= n
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// directAlign is the buffer, offset and length alignment of O_DIRECT reads
// (the largest logical block size in common use).
const directAlign = 4096

// FileSet is a trial's data files, opened once and shared by every File
// step of a model, with a pool of aligned read buffers. Every model reads
// through it (the blocking models inline, the event loop on its offload
// threads), so File steps cost the same everywhere. It is safe for
// concurrent use.
type FileSet struct {
	files  []*os.File
	direct bool
	bufs   sync.Pool // of *[]byte, aligned to directAlign
}

// OpenFiles opens paths read-only, with O_DIRECT when direct is set.
func OpenFiles(paths []string, direct bool) (*FileSet, error) {
	fs := &FileSet{direct: direct, files: make([]*os.File, 0, len(paths))}
	flags := os.O_RDONLY
	if direct {
		if oDirect == 0 {
			return nil, errors.New("direct (O_DIRECT) reads are not supported on this operating system")
		}
		flags |= oDirect
	}
	for _, p := range paths {
		f, err := os.OpenFile(p, flags, 0)
		if err != nil {
			fs.Close()
			if direct && errors.Is(err, syscall.EINVAL) {
				return nil, fmt.Errorf("open data file %s: O_DIRECT is not supported on this file system (tmpfs refuses it; put the data files on a disk file system or read through the page cache): %w", p, err)
			}
			return nil, fmt.Errorf("open data file: %w", err)
		}
		fs.files = append(fs.files, f)
	}
	return fs, nil
}

// Close closes the files.
func (fs *FileSet) Close() error {
	var errs []error
	for _, f := range fs.files {
		errs = append(errs, f.Close())
	}
	fs.files = nil
	return errors.Join(errs...)
}

// Read runs a File step: pread of s.Size bytes at s.Off from the task's
// file (FileIndex). With O_DIRECT it reads the block-aligned range covering
// them. The output is the bytes read.
func (fs *FileSet) Read(t Task, s Step) (uint64, error) {
	if s.Size < 0 || s.Off < 0 {
		return 0, fmt.Errorf("bad file step: %d bytes at offset %d", s.Size, s.Off)
	}
	f := fs.files[FileIndex(t, len(fs.files))]
	off, end := s.Off, s.Off+s.Size
	if fs.direct {
		off = off &^ (directAlign - 1)
		end = (end + directAlign - 1) &^ (directAlign - 1)
	}
	bp := fs.buffer(end - off)
	defer fs.bufs.Put(bp)
	buf := (*bp)[:end-off]
	n, err := f.ReadAt(buf, off)
	if off+int64(n) >= s.Off+s.Size {
		// Complete; with O_DIRECT the aligned window may end past EOF.
		return uint64(s.Size), nil
	}
	switch {
	case err == io.EOF || err == nil:
		got := max(off+int64(n)-s.Off, 0)
		return 0, fmt.Errorf("short read from %s: %d of %d bytes at offset %d (file too small)", f.Name(), got, s.Size, s.Off)
	case fs.direct && errors.Is(err, syscall.EINVAL):
		return 0, fmt.Errorf("O_DIRECT read of %s: not supported on this file system, or not %d-byte aligned: %w", f.Name(), directAlign, err)
	}
	return 0, fmt.Errorf("read data file: %w", err)
}

// buffer returns a pooled buffer of at least n bytes, aligned to
// directAlign (needed by O_DIRECT, harmless otherwise).
func (fs *FileSet) buffer(n int64) *[]byte {
	if bp, ok := fs.bufs.Get().(*[]byte); ok && int64(cap(*bp)) >= n {
		return bp
	}
	b := make([]byte, n+directAlign)
	skip := int((directAlign - uintptr(unsafe.Pointer(&b[0]))%directAlign) % directAlign)
	b = b[skip : skip+int(n) : skip+int(n)]
	return &b
}
