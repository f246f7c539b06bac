package resultfmt

import (
	"encoding/base64"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// TestHDRKeepsSubMicrosecond: a 2.51 µs latency is recorded as 2.51 µs,
// not truncated to 2 µs.
func TestHDRKeepsSubMicrosecond(t *testing.T) {
	h, err := DecodeHDR(EncodeHDR([]float64{2510, 2510, 2510}))
	if err != nil {
		t.Fatal(err)
	}
	if got := h.ValueAtQuantile(50); math.Abs(float64(got)-2510) > 2510*0.001 {
		t.Errorf("p50 = %d ns, want 2510 ns", got)
	}
}

func writeResults(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReadFileConvertsSchema1: a schema-1 file's µs histograms come back
// in ns, with a note saying so; unknown versions are refused.
func TestReadFileConvertsSchema1(t *testing.T) {
	h := hdr.New(1, 3_600_000_000, 3)
	_ = h.RecordValue(3) // 3 µs
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	p := writeResults(t, `{"schema":1,"suite":"old","trials":[{"spec":{"model":"m","workload":"w","tasks":1},"hdr_us":"`+base64.StdEncoding.EncodeToString(b)+`"}]}`)
	f, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeHDR(f.Trials[0].HDR)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.ValueAtQuantile(50); math.Abs(float64(v)-3000) > 3 {
		t.Errorf("converted p50 = %d ns, want 3000", v)
	}
	if f.Schema != SchemaVersion || len(f.Notes) == 0 || !strings.Contains(f.Notes[len(f.Notes)-1], "schema 1") {
		t.Errorf("schema %d notes %q: want the current schema and a note on the conversion", f.Schema, f.Notes)
	}
	_, err = ReadFile(writeResults(t, `{"schema":99,"trials":[]}`))
	if !errors.Is(err, ErrBadResults) || !strings.Contains(err.Error(), "schema version 99") {
		t.Errorf("schema 99: err = %v, want a bad-results error naming the version", err)
	}
}
