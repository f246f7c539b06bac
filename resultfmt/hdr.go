package resultfmt

import (
	"encoding/base64"
	"fmt"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// hdrMaxNS is the largest latency the histogram tracks: one hour, in ns.
const hdrMaxNS = 3_600_000_000_000

// EncodeHDR records ns latencies in an HDR histogram of ns (1 ns .. 1 h,
// 3 significant digits, so a 2.51 µs latency stays 2.51 µs) and returns
// it V2-encoded in base64, so trials can be merged.
func EncodeHDR(ns []float64) string {
	h := hdr.New(1, hdrMaxNS, 3)
	for _, v := range ns {
		_ = h.RecordValue(min(max(int64(v), 1), hdrMaxNS))
	}
	return encodeHist(h)
}

func encodeHist(h *hdr.Histogram) string {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeHDR decodes a Result.HDR string (values in ns).
func DecodeHDR(s string) (*hdr.Histogram, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return hdr.Decode(b)
}

// hdrMicrosToNanos converts a schema-1 histogram of whole µs into one of
// ns. The µs truncation of schema 1 cannot be undone: a value recorded as
// 2 µs becomes 2000 ns.
func hdrMicrosToNanos(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	old, err := DecodeHDR(s)
	if err != nil {
		return "", fmt.Errorf("latency histogram: %w", err)
	}
	h := hdr.New(1, hdrMaxNS, 3)
	for _, bar := range old.Distribution() {
		if bar.Count > 0 {
			_ = h.RecordValues(min(max(bar.From*1000, 1), hdrMaxNS), bar.Count)
		}
	}
	return encodeHist(h), nil
}
