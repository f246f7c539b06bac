package resultfmt

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// File is results.json: a suite's metadata and every trial, raw.
type File struct {
	Schema int    `json:"schema"`
	Suite  string `json:"suite"`
	// Complete is false when the run was interrupted (Ctrl-C) or a trial
	// failed; the report shows a banner then.
	Complete bool `json:"complete"`
	// Interrupted says the run was stopped (Ctrl-C) before it finished.
	Interrupted bool `json:"interrupted,omitempty"`
	// Failed counts the trials that failed (their cells are missing).
	Failed int      `json:"failed,omitempty"`
	Notes  []string `json:"notes,omitempty"`
	// Warmup says each configuration ran one discarded warm-up trial first.
	Warmup bool `json:"warmup"`
	// Models is the display order of the models (the registry's order when
	// the file was written); the report orders tables and legends by it.
	Models []string `json:"models,omitempty"`
	Meta   Meta     `json:"meta"`
	Trials []Result `json:"trials"`
}

// WriteAtomic writes data to path through a temporary file in the same
// directory and a rename, so a reader never sees a half-written file.
func WriteAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Write saves f as indented JSON at path, atomically. A path ending in
// ".gz" gets compact JSON, gzip-compressed, with its floats rounded where
// the precision is noise (Rounded): the published form.
func (f *File) Write(path string) error {
	f.Schema = SchemaVersion
	if !strings.HasSuffix(path, GzipExt) {
		b, err := json.MarshalIndent(f, "", " ")
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		return WriteAtomic(path, append(b, '\n'))
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err := json.NewEncoder(zw).Encode(f.Rounded()); err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("compress %s: %w", path, err)
	}
	return WriteAtomic(path, buf.Bytes())
}

// GzipExt ends the name of a gzip-compressed results file
// (results.json.gz); ReadFile reads either form.
const GzipExt = ".gz"

// otherForm is results.json.gz for results.json, and the other way round.
func otherForm(path string) string {
	if strings.HasSuffix(path, GzipExt) {
		return strings.TrimSuffix(path, GzipExt)
	}
	return path + GzipExt
}

// readResults reads path, or its other form (otherForm) when path does not
// exist, and decompresses gzip data; the file and its decompressed data are
// each capped at MaxResultsBytes. It returns the path it read.
func readResults(path string) ([]byte, string, error) {
	b, err := ReadLimited(path, MaxResultsBytes, "results files")
	if errors.Is(err, fs.ErrNotExist) {
		if b2, err2 := ReadLimited(otherForm(path), MaxResultsBytes, "results files"); !errors.Is(err2, fs.ErrNotExist) {
			b, err, path = b2, err2, otherForm(path)
		}
	}
	if err != nil || len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, path, err
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, path, fmt.Errorf("gunzip: %w", err)
	}
	if b, err = io.ReadAll(io.LimitReader(zr, MaxResultsBytes+1)); err != nil {
		return nil, path, fmt.Errorf("gunzip: %w", err)
	}
	if len(b) > MaxResultsBytes {
		return nil, path, fmt.Errorf("%w: %s decompresses to more than %d MiB, the limit for results files", ErrTooLarge, path, MaxResultsBytes>>20)
	}
	return b, path, nil
}

// ErrBadResults marks a results file that is missing, corrupt or of
// another schema version; the CLI maps it to exit status 2.
var ErrBadResults = errors.New("bad results file")

// ReadFile loads a results.json, rejecting missing, corrupt and
// wrong-version files with one line naming the file and the problem. The
// file may be gzip-compressed; for path results.json it reads
// results.json.gz when only that exists (and the other way round).
func ReadFile(path string) (*File, error) {
	b, path, err := readResults(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s does not exist, nor %s (run `concbench sweep --out %s` first)", ErrBadResults, path, otherForm(path), filepath.Dir(path))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadResults, path, err)
	}
	var probe struct {
		Schema *int `json:"schema"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%w: %s is not valid JSON: %v", ErrBadResults, path, err)
	}
	if probe.Schema == nil {
		return nil, fmt.Errorf("%w: %s has no schema version (not a concbench results file)", ErrBadResults, path)
	}
	if *probe.Schema != SchemaVersion && *probe.Schema != 1 {
		return nil, fmt.Errorf("%w: %s has schema version %d; this concbench reads versions 1 and %d", ErrBadResults, path, *probe.Schema, SchemaVersion)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadResults, path, err)
	}
	if *probe.Schema == 1 {
		if err := convertV1(&f, b); err != nil {
			return nil, fmt.Errorf("%w: %s (schema 1): %v", ErrBadResults, path, err)
		}
	}
	return &f, nil
}

// convertV1 upgrades a schema-1 file read into f (raw bytes b): its latency
// histograms were whole µs under "hdr_us"; they become ns histograms, and a
// note says what the conversion cannot restore.
func convertV1(f *File, b []byte) error {
	var v1 struct {
		Trials []struct {
			HDR string `json:"hdr_us"`
		} `json:"trials"`
	}
	if err := json.Unmarshal(b, &v1); err != nil {
		return err
	}
	for i := range f.Trials {
		h, err := hdrMicrosToNanos(v1.Trials[i].HDR)
		if err != nil {
			return fmt.Errorf("trial %d: %w", i+1, err)
		}
		f.Trials[i].HDR = h
	}
	f.Schema = SchemaVersion
	f.Notes = append(f.Notes, "converted from results schema 1: latency histograms were recorded in whole µs (sub-µs detail lost), memory per in-flight task was taken at the peak RSS, and no invariants were checked")
	return nil
}
