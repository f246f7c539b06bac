package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"concbench/workload"
)

// sweepData holds the data files of a sweep: each data set (the params
// that decide the files' content: seed, count, size) is written once, the
// first time a trial needs it, and every later trial only checks it
// (checkFiles). The File steps' digests, recomputed from the seed for
// every read, catch any byte that changed since.
type sweepData struct {
	dirs map[dataKey]dataSet
	// made is how many data sets were written.
	made int
}

// dataKey is what a data set's content depends on.
type dataKey struct {
	seed  uint64
	files int
	size  int64
}

func newSweepData() *sweepData { return &sweepData{dirs: map[dataKey]dataSet{}} }

// dataSet is one data set of a sweep: its directory and its secret key
// (workload.Params.Key), which reaches only the harness of each trial.
type dataSet struct {
	dir string
	key uint64
}

// setFor returns the data set spec's trials read, writing it first if this
// sweep has not yet; a zero dataSet for a workload without File steps.
func (d *sweepData) setFor(spec Spec) (dataSet, error) {
	if pr, _ := workload.Lookup(spec.Workload); !pr.NeedsFiles {
		return dataSet{}, nil
	}
	p := spec.Params.Fill()
	id := dataKey{p.Seed, p.Files, p.FileSize}
	if ds, ok := d.dirs[id]; ok {
		return ds, nil
	}
	dir, err := makeDataDir()
	if err != nil {
		return dataSet{}, err
	}
	ds := dataSet{dir: dir, key: workload.NewSecret()}
	p.Key = ds.key
	if _, err := workload.MakeFiles(dir, p); err != nil {
		os.RemoveAll(dir)
		return dataSet{}, err
	}
	d.dirs[id] = ds
	d.made++
	return ds, nil
}

// release removes every data set.
func (d *sweepData) release() {
	for k, ds := range d.dirs {
		_ = os.RemoveAll(ds.dir)
		delete(d.dirs, k)
	}
}

// checkFiles returns the paths of the data files already in dir, after
// checking there are p.Files regular files of p.FileSize bytes each.
func checkFiles(dir string, p workload.Params) ([]string, error) {
	p = p.Fill()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("data files: %w", err)
	}
	var paths []string
	for _, e := range ents {
		info, err := e.Info()
		if err != nil {
			return nil, fmt.Errorf("data files: %w", err)
		}
		if !info.Mode().IsRegular() || info.Size() != p.FileSize {
			return nil, fmt.Errorf("data files: %s is not a %d-byte data file", e.Name(), p.FileSize)
		}
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	if len(paths) != p.Files {
		return nil, fmt.Errorf("data files: %s holds %d files, want %d", dir, len(paths), p.Files)
	}
	slices.Sort(paths)
	return paths, nil
}
