package resultfmt

import (
	"encoding/base64"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// hdrMaxUS is the largest latency the histogram tracks: one hour.
const hdrMaxUS = 3_600_000_000

// EncodeHDR records ns latencies as µs in an HDR histogram (3 significant
// digits) and returns it V2-encoded in base64, so trials can be merged.
func EncodeHDR(ns []float64) string {
	h := hdr.New(1, hdrMaxUS, 3)
	for _, v := range ns {
		_ = h.RecordValue(min(max(int64(v/1e3), 1), hdrMaxUS))
	}
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeHDR decodes a Result.HDR string.
func DecodeHDR(s string) (*hdr.Histogram, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	return hdr.Decode(b)
}
