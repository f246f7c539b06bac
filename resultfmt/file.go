package resultfmt

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
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
	// Warmup says discarded warm-up trials ran: one before each model's
	// first trial of each workload (each trial is a fresh process, so a
	// warm-up warms the machine's caches, not the measured process).
	Warmup bool `json:"warmup"`
	// CITarget is the suite's target for the 95% CI of each cell's median
	// throughput (relative half width; 0 in files of one `run`).
	CITarget float64 `json:"ci_target,omitempty"`
	// Models is the display order of the models (the registry's order when
	// the file was written); the report orders tables and legends by it.
	Models []string `json:"models,omitempty"`
	// Traits are the models' traits from the registry (family, baseline,
	// kind, parallel, processes), in Models order: what the report's
	// analysis reads instead of model names (see TraitsOf).
	Traits []ModelTraits `json:"model_traits,omitempty"`
	Meta   Meta          `json:"meta"`
	// Duty is the sweep's duty cycle (nil for files of one `run`).
	Duty   *Duty    `json:"duty,omitempty"`
	Trials []Result `json:"trials"`
	// Servers are the server-role trials (resultfmt/server.go), in the
	// order they ran.
	Servers []ServerTrial `json:"server_trials,omitempty"`
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
// exist, and decompresses gzip data (see pickForm for when both exist). It
// streams: the file and its decompressed data are each capped at
// MaxResultsBytes, data that cannot be a results file (/dev/zero, a gzip
// bomb of zeros) is refused after its first bytes, and ctx stops the
// reading. It returns the path it read and a note when it chose between
// two forms.
func readResults(ctx context.Context, path string) ([]byte, string, string, error) {
	path, note := pickForm(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, path, "", err
	}
	defer f.Close()
	in := bufio.NewReader(&ctxReader{ctx: ctx, r: io.LimitReader(f, MaxResultsBytes+1)})
	var r io.Reader = in
	if magic, _ := in.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(in)
		if err != nil {
			return nil, path, "", fmt.Errorf("gunzip: %w", err)
		}
		r = bufio.NewReader(&ctxReader{ctx: ctx, r: zr})
	}
	br := r.(*bufio.Reader)
	if err := startsLikeJSON(br); err != nil {
		return nil, path, "", err
	}
	b, err := io.ReadAll(io.LimitReader(br, MaxResultsBytes+1))
	if err != nil {
		return nil, path, "", fmt.Errorf("read: %w", err)
	}
	if len(b) > MaxResultsBytes {
		return nil, path, "", fmt.Errorf("%w: %s is (or decompresses to) more than %d MiB, the limit for results files", ErrTooLarge, path, MaxResultsBytes>>20)
	}
	return b, path, note, nil
}

// pickForm chooses between path and its other form. When only one exists
// it is read. When both exist (a results.json kept beside the
// results.json.gz a later sweep wrote, or the other way round) the one
// modified last is read, and the note returned says so, so a stale copy is
// never read silently.
func pickForm(path string) (string, string) {
	st, err := os.Stat(path)
	other := otherForm(path)
	ost, oerr := os.Stat(other)
	switch {
	case err != nil && oerr == nil:
		return other, ""
	case err != nil || oerr != nil || !ost.Mode().IsRegular() || !st.Mode().IsRegular():
		return path, ""
	case ost.ModTime().After(st.ModTime()):
		path, other, st, ost = other, path, ost, st
	}
	return path, fmt.Sprintf("both %s and %s exist: read %s, the newer (modified %s; the other %s)",
		filepath.Base(path), filepath.Base(other), filepath.Base(path),
		st.ModTime().UTC().Format(time.RFC3339), ost.ModTime().UTC().Format(time.RFC3339))
}

// startsLikeJSON refuses data whose first non-blank byte, within the first
// 4 KiB, is not '{': /dev/zero or a bomb of zeros is refused at once rather
// than after MaxResultsBytes.
func startsLikeJSON(r *bufio.Reader) error {
	head, err := r.Peek(4096)
	if len(head) == 0 && err != nil && err != io.EOF {
		return fmt.Errorf("read: %w", err)
	}
	for _, c := range head {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{':
			return nil
		}
		return fmt.Errorf("is not valid JSON: starts with byte %#02x, not '{'", c)
	}
	if len(head) == 0 {
		return errors.New("is empty")
	}
	return errors.New("is not valid JSON: no '{' in its first 4 KiB")
}

// ctxReader stops reading once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// ErrBadResults marks a results file that is missing, corrupt or of
// another schema version; the CLI maps it to exit status 2.
var ErrBadResults = errors.New("bad results file")

// ReadFile loads a results.json, rejecting missing, corrupt and
// wrong-version files with one line naming the file and the problem. The
// file may be gzip-compressed; for path results.json it reads
// results.json.gz when only that exists (and the other way round; when both
// exist, the newer, with a note in File.Notes saying so).
func ReadFile(path string) (*File, error) { return ReadFileContext(context.Background(), path) }

// ReadFileContext is ReadFile stopped by ctx: reading returns ctx's error
// within one read of the file, and decoding, which cannot be stopped part
// way, is left to finish in the background while ctx's error is returned
// (the CLI exits then; the work is bounded by MaxResultsBytes).
func ReadFileContext(ctx context.Context, path string) (*File, error) {
	type result struct {
		f   *File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := readFile(ctx, path)
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		if ctx.Err() != nil && r.err != nil {
			return nil, ctx.Err()
		}
		return r.f, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func readFile(ctx context.Context, path string) (*File, error) {
	b, path, note, err := readResults(ctx, path)
	if errors.Is(err, fs.ErrNotExist) {
		hint := path
		if base := filepath.Base(path); base == "results.json" || base == ResultsFile {
			hint = filepath.Dir(path)
		}
		return nil, fmt.Errorf("%w: %s does not exist, nor %s (run `concbench sweep --out %s` first)", ErrBadResults, path, otherForm(path), hint)
	}
	if err != nil {
		if errors.Is(err, ctx.Err()) {
			return nil, err
		}
		if strings.HasPrefix(err.Error(), "is ") {
			return nil, fmt.Errorf("%w: %s %v", ErrBadResults, path, err)
		}
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
	if note != "" {
		f.Notes = append(f.Notes, note)
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
