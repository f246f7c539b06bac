package report

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// output is one file the report writes, rendered in memory first.
type output struct {
	name string // file name in the report directory
	data []byte
}

// stageFile writes data to a new temporary file beside path, synced and
// readable by all, and returns its name. It is a variable so that a test
// can fail the writing midway (a full disk).
var stageFile = func(path string, data []byte) (string, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return tmp.Name(), nil
}

// writeSet writes the whole output set into dir all or nothing: every file
// goes to a temporary name beside its target first, and only when all are
// written and synced are they renamed into place (a rename in one
// directory needs no space, so a full disk or Ctrl-C can only strike
// before it). A failure removes the temporary files and leaves dir's
// previous report as it was: never REPORT.md from new results beside
// report.html from old ones.
func writeSet(ctx context.Context, dir string, files []output) (err error) {
	staged := make([]string, 0, len(files))
	defer func() {
		if err != nil {
			for _, tmp := range staged {
				os.Remove(tmp)
			}
		}
	}()
	for _, o := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		tmp, err := stageFile(filepath.Join(dir, o.name), o.data)
		if err != nil {
			return err
		}
		staged = append(staged, tmp)
	}
	for i, o := range files {
		if rerr := os.Rename(staged[i], filepath.Join(dir, o.name)); rerr != nil {
			return errors.Join(fmt.Errorf("write %s: %w", o.name, rerr),
				fmt.Errorf("%d of %d report files were already replaced", i, len(files)))
		}
	}
	staged = staged[:0]
	return syncDir(dir)
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
