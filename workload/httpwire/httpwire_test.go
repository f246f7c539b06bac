package httpwire

import (
	"bufio"
	"bytes"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAppendRequest(t *testing.T) {
	tests := []struct {
		delay time.Duration
		size  int64
		seed  uint64
		want  string
	}{
		{10 * time.Millisecond, 1024, 0, "GET /io?delay=10ms&size=1024&seed=0 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n"},
		{0, 0, 42, "GET /io?delay=0ns&size=0&seed=42 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n"},
		{1500 * time.Microsecond, 1, 1<<64 - 1, "GET /io?delay=1500us&size=1&seed=18446744073709551615 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n"},
		{7, 16 << 20, 65536, "GET /io?delay=7ns&size=16777216&seed=65536 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: keep-alive\r\n\r\n"},
	}
	for _, tt := range tests {
		got := string(AppendRequest(nil, "127.0.0.1:8080", tt.delay, tt.size, tt.seed))
		if got != tt.want {
			t.Errorf("AppendRequest(%v, %d) = %q, want %q", tt.delay, tt.size, got, tt.want)
		}
		// net/http must read it back as the same request.
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(got)))
		if err != nil {
			t.Fatalf("net/http cannot read %q: %v", got, err)
		}
		d, err := time.ParseDuration(req.URL.Query().Get("delay"))
		if err != nil || d != tt.delay || req.URL.Query().Get("size") == "" || req.URL.Query().Get("seed") != strconv.FormatUint(tt.seed, 10) || req.Close {
			t.Errorf("net/http read %v (delay %v, err %v)", req.URL, d, err)
		}
	}
}

func TestAppendRequestAllocs(t *testing.T) {
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() {
		buf = AppendRequest(buf[:0], "127.0.0.1:1234", 5*time.Millisecond, 1024, 1<<63)
	}); n != 0 {
		t.Errorf("AppendRequest allocates %v times per call", n)
	}
}

func okResponse(body string) string {
	return "HTTP/1.1 200 OK\r\nContent-Length: " + itoa(len(body)) + "\r\nContent-Type: application/octet-stream\r\nDate: Tue, 25 Nov 2025 15:32:00 GMT\r\n\r\n" + body
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// parseCase is a response and what parsing it must give.
type parseCase struct {
	name      string
	in        string
	body      int64 // body bytes on success
	keepAlive bool
	err       string // substring of the error; "" means success
}

var parseCases = []parseCase{
	{name: "ok", in: okResponse("hello world"), body: 11, keepAlive: true},
	{name: "empty body", in: okResponse(""), body: 0, keepAlive: true},
	{name: "lower-case headers", in: "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabc", body: 3, keepAlive: true},
	{name: "no reason phrase", in: "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", body: 1, keepAlive: true},
	{name: "connection close", in: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", body: 1},
	{name: "http/1.0", in: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nxy", body: 2},
	{name: "http/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nxy", body: 2, keepAlive: true},
	{name: "same length twice", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", body: 1, keepAlive: true},
	{name: "value spaces", in: "HTTP/1.1 200 OK\r\nContent-Length:   2 \t\r\n\r\nxy", body: 2, keepAlive: true},

	{name: "not http", in: "SSH-2.0-OpenSSH\r\n", err: "bad status line"},
	{name: "http/2", in: "HTTP/2 200\r\n\r\n", err: "bad status line"},
	{name: "bad code", in: "HTTP/1.1 2x0 OK\r\n\r\n", err: "bad status code"},
	{name: "code too long", in: "HTTP/1.1 2000 OK\r\n\r\n", err: "bad status code"},
	{name: "bare LF", in: "HTTP/1.1 200 OK\nContent-Length: 0\n\n", err: "CRLF"},
	{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", err: "Transfer-Encoding"},
	{name: "no length", in: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nabc", err: "no Content-Length"},
	{name: "bad length", in: "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", err: "bad Content-Length"},
	{name: "negative length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: "bad Content-Length"},
	{name: "huge length", in: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n", err: "bad Content-Length"},
	{name: "conflicting lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", err: "conflicting"},
	{name: "no colon", in: "HTTP/1.1 200 OK\r\nContent-Length 1\r\n\r\n", err: "bad header line"},
	{name: "obs-fold", in: "HTTP/1.1 200 OK\r\n folded\r\n\r\n", err: "bad header line"},
	{name: "empty name", in: "HTTP/1.1 200 OK\r\n: x\r\n\r\n", err: "bad header line"},
	{name: "long line", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", MaxLine) + "\r\n\r\n", err: "header line longer"},
	{name: "long status", in: "HTTP/1.1 200 " + strings.Repeat("a", MaxLine), err: "status line longer"},
	{name: "long header", in: "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-A: "+strings.Repeat("a", 500)+"\r\n", 20), err: "header longer than"},
	{name: "404 with reason", in: "HTTP/1.1 404 Not Found\r\nContent-Length: 18\r\n\r\nno such endpoint\r\n", err: "server answered 404: no such endpoint"},
	{name: "400 no length", in: "HTTP/1.1 400 Bad Request\r\n\r\n", err: "server answered 400"},
	{name: "500 then garbage", in: "HTTP/1.1 500 Oops\r\nbroken\r\n", err: "server answered 500, then"},
	{name: "100 continue", in: "HTTP/1.1 100 Continue\r\n\r\n", err: "server answered 100"},
}

// feedAll feeds in through p in the given pieces and reports the outcome.
func feedAll(p *Parser, pieces ...[]byte) (consumed int, done bool, err error) {
	for _, b := range pieces {
		n, d, e := p.Feed(b)
		consumed += n
		if e != nil {
			return consumed, false, e
		}
		if d {
			return consumed, true, nil
		}
	}
	return consumed, false, nil
}

func check(t *testing.T, tc parseCase, p *Parser, consumed int, done bool, err error, how string) {
	t.Helper()
	if tc.err != "" {
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Fatalf("%s: err = %v, want one containing %q", how, err, tc.err)
		}
		return
	}
	if err != nil || !done {
		t.Fatalf("%s: done=%v err=%v, want a complete response", how, done, err)
	}
	if consumed != len(tc.in) || p.Body() != tc.body || p.Status() != 200 || p.KeepAlive() != tc.keepAlive {
		t.Fatalf("%s: consumed %d of %d, body %d (want %d), status %d, keep-alive %v (want %v)",
			how, consumed, len(tc.in), p.Body(), tc.body, p.Status(), p.KeepAlive(), tc.keepAlive)
	}
}

func TestParser(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			var p Parser
			n, done, err := feedAll(&p, []byte(tc.in))
			check(t, tc, &p, n, done, err, "whole")
			if err != nil {
				// The error sticks.
				if _, _, err2 := p.Feed([]byte("x")); err2 == nil || err2.Error() != err.Error() {
					t.Errorf("after error, Feed returned %v, want %v", err2, err)
				}
			}
		})
	}
}

// TestParserSplits feeds every case split at every byte boundary, and one
// byte at a time; the outcome must not depend on how the bytes arrive.
func TestParserSplits(t *testing.T) {
	var p Parser
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			for i := 0; i <= len(in); i++ {
				p.Reset()
				n, done, err := feedAll(&p, in[:i], in[i:])
				check(t, tc, &p, n, done, err, "split at "+fmtInt(i))
			}
			p.Reset()
			pieces := make([][]byte, len(in))
			for i := range in {
				pieces[i] = in[i : i+1]
			}
			n, done, err := feedAll(&p, pieces...)
			check(t, tc, &p, n, done, err, "byte by byte")
		})
	}
}

func TestParserStatusError(t *testing.T) {
	var p Parser
	body := "delay 2h exceeds the server's max 10s\n"
	_, _, err := p.Feed([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: " + itoa(len(body)) + "\r\n\r\n" + body))
	var se *StatusError
	if !errors.As(err, &se) || se.Code != 400 || se.Reason != "delay 2h exceeds the server's max 10s" {
		t.Fatalf("err = %#v, want StatusError 400 with the reason", err)
	}
	_, _, err = new(Parser).Feed([]byte("nonsense\r\n"))
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
}

// TestParserKeepAlive parses several responses from one stream, as on a
// keep-alive connection, and leaves the bytes after each response alone.
func TestParserKeepAlive(t *testing.T) {
	stream := []byte(okResponse("abc") + okResponse("") + okResponse(strings.Repeat("z", 5000)))
	want := []int64{3, 0, 5000}
	var p Parser
	for i, w := range want {
		p.Reset()
		n, done, err := p.Feed(stream)
		if err != nil || !done || p.Body() != w {
			t.Fatalf("response %d: done=%v err=%v body=%d want %d", i, done, err, p.Body(), w)
		}
		stream = stream[n:]
	}
	if len(stream) != 0 {
		t.Fatalf("%d bytes left over", len(stream))
	}
}

func TestParserPartial(t *testing.T) {
	in := okResponse("0123456789")
	var p Parser
	n, done, err := p.Feed([]byte(in[:len(in)-4]))
	if err != nil || done || n != len(in)-4 || p.Body() != 6 || p.Len() != 10 || p.Received() != int64(n) {
		t.Fatalf("partial: n=%d done=%v err=%v body=%d len=%d", n, done, err, p.Body(), p.Len())
	}
}

func TestParserAllocs(t *testing.T) {
	resp := []byte(okResponse(strings.Repeat("x", 1024)))
	var p Parser
	n := testing.AllocsPerRun(200, func() {
		p.Reset()
		// Two pieces, so the line buffer is used too.
		if _, _, err := feedAll(&p, resp[:20], resp[20:]); err != nil {
			t.Fatal(err)
		}
	})
	if n != 0 {
		t.Errorf("parsing a response allocates %v times", n)
	}
}

// FuzzParser checks that the parser never panics, that the outcome does not
// depend on how the input is split, and that whatever it accepts is a
// response net/http accepts too, with the same body length.
func FuzzParser(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.in), uint16(7))
	}
	f.Add([]byte(okResponse("abc")+okResponse("de")), uint16(1))
	f.Fuzz(func(t *testing.T, in []byte, split uint16) {
		var whole, parts Parser
		n1, d1, e1 := whole.Feed(in)
		if n1 < 0 || n1 > len(in) {
			t.Fatalf("consumed %d of %d", n1, len(in))
		}
		cut := 0
		if len(in) > 0 {
			cut = int(split) % (len(in) + 1)
		}
		n2, d2, e2 := feedAll(&parts, in[:cut], in[cut:])
		if d1 != d2 || (e1 == nil) != (e2 == nil) || (d1 && n1 != n2) || whole.Body() != parts.Body() {
			t.Fatalf("whole: n=%d done=%v err=%v body=%d; split at %d: n=%d done=%v err=%v body=%d",
				n1, d1, e1, whole.Body(), cut, n2, d2, e2, parts.Body())
		}
		if !d1 {
			return
		}
		if whole.Status() != 200 || whole.Body() != whole.Len() {
			t.Fatalf("done with status %d, body %d of %d", whole.Status(), whole.Body(), whole.Len())
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(in[:n1])), nil)
		if err != nil {
			t.Fatalf("parser accepted %q, net/http rejects it: %v", in[:n1], err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.ContentLength != whole.Body() {
			t.Fatalf("parser: 200 with %d bytes; net/http: %d with %d", whole.Body(), resp.StatusCode, resp.ContentLength)
		}
	})
}

// TestParserSink: the body of a 200 response, fed in pieces, reaches the
// Sink exactly once and in order; a non-200 body and the headers do not.
func TestParserSink(t *testing.T) {
	var sink bytes.Buffer
	p := Parser{Sink: &sink}
	body := strings.Repeat("abcdefghij", 50)
	resp := okResponse(body) + "HTTP/1.1 404 Not Found\r\nContent-Length: 8\r\n\r\nno such\n"
	for i := 0; i < len(okResponse(body)); i += 13 {
		n, done, err := p.Feed([]byte(resp[i:min(i+13, len(okResponse(body)))]))
		if err != nil || (done && i+n != len(okResponse(body))) {
			t.Fatalf("feed at %d: %d, %v, %v", i, n, done, err)
		}
	}
	if !p.Done() || sink.String() != body {
		t.Fatalf("sink got %q (done %v), want the body", sink.String(), p.Done())
	}
	sink.Reset()
	p.Reset()
	if _, _, err := p.Feed([]byte(resp[len(okResponse(body)):])); err == nil || sink.Len() != 0 {
		t.Errorf("404: err %v, sink got %q", err, sink.String())
	}
}
