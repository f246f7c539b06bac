// Package httpwire is the one HTTP/1.1 client wire format of concbench: a
// request encoder and an incremental response parser shared by every model,
// blocking and non-blocking alike, so the client CPU spent on the protocol
// is identical across models.
//
// It speaks exactly the subset the latency server answers: a GET with a
// keep-alive connection, and a response with a Content-Length body. Chunked
// bodies, responses without a length, and non-200 statuses are errors.
// Both halves are allocation-free in steady state. The body content itself
// (Pattern, WriteBody) is defined here too, so the server, the clients and
// the harness's verification agree on what a request with a seed receives.
package httpwire

import (
	"io"
	"strconv"
	"time"
)

// Path is the latency server's I/O endpoint.
const Path = "/io"

// ReadBufferSize is the read buffer every model should use per connection,
// so the number of read calls per response is the same in all models.
const ReadBufferSize = 16 << 10

// AppendRequest appends the request for one Net step to dst and returns the
// extended slice: GET /io?delay=D&size=N&seed=S HTTP/1.1 with a Host header
// and a keep-alive connection. D is written in the largest unit that
// represents delay exactly (ms, us or ns), e.g. "delay=5ms"; S (decimal)
// selects the body content (workload.NetSeed). It does not allocate when
// dst has room.
func AppendRequest(dst []byte, host string, delay time.Duration, size int64, seed uint64) []byte {
	dst = append(dst, "GET "+Path+"?delay="...)
	dst = AppendDuration(dst, delay)
	dst = append(dst, "&size="...)
	dst = strconv.AppendInt(dst, size, 10)
	dst = append(dst, "&seed="...)
	dst = strconv.AppendUint(dst, seed, 10)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, host...)
	dst = append(dst, "\r\nConnection: keep-alive\r\n\r\n"...)
	return dst
}

// AppendDuration appends d in a form time.ParseDuration reads back exactly:
// an integer count of the largest of ms, us and ns that divides d.
func AppendDuration(dst []byte, d time.Duration) []byte {
	switch {
	case d != 0 && d%time.Millisecond == 0:
		return append(strconv.AppendInt(dst, int64(d/time.Millisecond), 10), "ms"...)
	case d != 0 && d%time.Microsecond == 0:
		return append(strconv.AppendInt(dst, int64(d/time.Microsecond), 10), "us"...)
	}
	return append(strconv.AppendInt(dst, int64(d), 10), "ns"...)
}

// Pattern is the latency server's response content, 64 KiB of a xorshift32
// stream: the body for seed s starts at offset s mod len(Pattern) and
// wraps (WriteBody), so a client can recompute what it must receive. Do
// not modify it.
var Pattern = func() []byte {
	b := make([]byte, 64<<10)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}()

// WriteBody writes the size-byte response body for seed to w: byte i is
// Pattern[(seed+i) mod len(Pattern)]. It makes at most
// size/len(Pattern)+2 writes and does not allocate.
func WriteBody(w io.Writer, seed uint64, size int64) error {
	off := int64(seed % uint64(len(Pattern)))
	for size > 0 {
		n := min(size, int64(len(Pattern))-off)
		if _, err := w.Write(Pattern[off : off+n]); err != nil {
			return err
		}
		size -= n
		off = 0
	}
	return nil
}
