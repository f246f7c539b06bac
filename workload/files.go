package workload

import (
	"crypto/cipher"
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
// (Env.Files). Zero fields of p take their defaults. The content of file f
// is the AES-CTR keystream of p.Key and f (proof.go): whoever holds the
// key (the harness, which draws it with NewSecret for each data set and
// never hands it to a model) recomputes the digest of any window without
// reading; a model without it must read. The files depend on p.Key,
// p.Files and p.FileSize only, so one data set serves every trial that
// keeps its key. Each file is written under a temporary name and renamed,
// so a reader never sees half a file.
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
		if err := writeData(paths[i], p.FileSize, fileCipher(p.Key, i), buf); err != nil {
			return nil, fmt.Errorf("make data files: %w", err)
		}
	}
	return paths, nil
}

// writeData writes size bytes of the data file of blk to path.
func writeData(path string, size int64, blk cipher.Block, buf []byte) (err error) {
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
	for off := int64(0); off < size; {
		n := min(size-off, int64(len(buf)))
		fillFile(buf[:n], blk, off)
		if _, err = f.Write(buf[:n]); err != nil {
			return err
		}
		off += n
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
// them. The output is the FileProof of the s.Size bytes read in a trial
// with nonce.
func (fs *FileSet) Read(t Task, s Step, nonce uint64) (uint64, error) {
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
	buf := (*bp)[directAlign : directAlign+end-off]
	n, err := f.ReadAt(buf, off)
	if off+int64(n) >= s.Off+s.Size {
		// Complete; with O_DIRECT the aligned window may end past EOF.
		// The proof hashes the nonce, then the window: the nonce goes in
		// the 8 bytes before the window (the buffer's headroom, or bytes
		// read that the step did not ask for), so hashing allocates
		// nothing.
		w := directAlign + s.Off - off
		binary.LittleEndian.PutUint64((*bp)[w-8:w], nonce)
		return Digest((*bp)[w-8 : w+s.Size]), nil
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

// buffer returns a pooled buffer of directAlign bytes of headroom and at
// least n more, aligned to directAlign (needed by O_DIRECT, harmless
// otherwise): reads go to (*bp)[directAlign:].
func (fs *FileSet) buffer(n int64) *[]byte {
	if bp, ok := fs.bufs.Get().(*[]byte); ok && int64(cap(*bp)) >= n+directAlign {
		return bp
	}
	b := make([]byte, n+2*directAlign)
	skip := int((directAlign - uintptr(unsafe.Pointer(&b[0]))%directAlign) % directAlign)
	size := skip + int(n) + directAlign
	b = b[skip:size:size]
	return &b
}
