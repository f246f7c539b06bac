package resultfmt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Size caps on the files concbench reads: far above any real file (the
// published results.json of the default suite is about 5 MB, a suite file
// a few KB), so only a mistake (`--suite /dev/zero`) or a hostile file
// reaches them.
const (
	MaxResultsBytes = 256 << 20
	MaxSuiteBytes   = 1 << 20
)

// ErrTooLarge marks a file over its size cap.
var ErrTooLarge = errors.New("file too large")

// ReadLimited reads the file at path, refusing one larger than limit bytes
// without reading more than limit+1 of them (a device such as /dev/zero
// never ends). what names the kind of file in the message.
func ReadLimited(path string, limit int64, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d MiB, the limit for %s", ErrTooLarge, path, limit>>20, what)
	}
	return b, nil
}

// ProbeDir makes dir (and its parents) and proves that a file can be
// written in it and renamed, the way WriteAtomic writes results, so a long
// run finds out before its first trial that it could not save its work.
//
// When it fails, it removes the directories it made: a refused path (too
// long, or not writable deep down) leaves nothing behind.
func ProbeDir(dir string) error {
	made := firstMissing(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		removeMade(made)
		return fmt.Errorf("cannot create output directory: %w", err)
	}
	probe := filepath.Join(dir, ".concbench-probe")
	if err := WriteAtomic(probe, []byte("probe\n")); err != nil {
		removeMade(made)
		return fmt.Errorf("cannot write in output directory %s: %w", dir, err)
	}
	if err := os.Remove(probe); err != nil {
		return fmt.Errorf("cannot remove files in output directory %s: %w", dir, err)
	}
	return nil
}

// firstMissing is the outermost directory of dir's path that does not
// exist yet (the first one MkdirAll would make), or "" if dir exists.
func firstMissing(dir string) string {
	dir = filepath.Clean(dir)
	missing := ""
	for {
		if _, err := os.Lstat(dir); err == nil {
			return missing
		}
		missing = dir
		parent := filepath.Dir(dir)
		if parent == dir {
			return missing
		}
		dir = parent
	}
}

// removeMade removes the tree ProbeDir made from top (nothing if "").
func removeMade(top string) {
	if top != "" {
		_ = os.RemoveAll(top)
	}
}
