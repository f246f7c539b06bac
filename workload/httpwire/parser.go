package httpwire

import (
	"errors"
	"fmt"
	"io"
)

// Limits of what the parser accepts.
const (
	// MaxLine bounds one status or header line, CRLF included.
	MaxLine = 1024
	// MaxHeader bounds the status line and headers together.
	MaxHeader = 8 << 10
	// MaxBody bounds the Content-Length the parser accepts (1 TiB).
	MaxBody = 1 << 40
	// maxReason is how much of a non-200 body is kept for the error.
	maxReason = 200
)

// ErrMalformed is wrapped by every error about a response that is not the
// HTTP/1.1 the parser accepts.
var ErrMalformed = errors.New("malformed HTTP response")

// StatusError is returned for a well-formed response whose status is not
// 200; Reason is the start of its body (the latency server puts a one-line
// reason there).
type StatusError struct {
	Code   int
	Reason string
}

// Error renders the status and reason, e.g.
// "server answered 400: delay 2h exceeds the server's max 10s".
func (e *StatusError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("server answered %d", e.Code)
	}
	return fmt.Sprintf("server answered %d: %s", e.Code, e.Reason)
}

type state uint8

const (
	stStatus state = iota
	stHeader
	stBody
	stDone
	stErr
)

// Parser parses one HTTP/1.1 response at a time, fed in pieces of any size.
// The zero Parser is ready for the first response; call Reset between
// responses on a keep-alive connection. A Parser is not safe for concurrent
// use; it is meant to live with its connection and never allocates after
// creation (except to build an error).
type Parser struct {
	// Sink, when set, receives the body of a 200 response as it is parsed
	// (a streaming digest, say); Reset keeps it.
	Sink io.Writer

	st        state
	status    int
	keepAlive bool
	haveLen   bool
	length    int64 // Content-Length
	body      int64 // body bytes received
	header    int   // status+header bytes seen
	total     int64 // all bytes consumed
	err       error
	lineLen   int
	line      [MaxLine]byte // a line split across Feed calls
	reasonLen int
	reason    [maxReason]byte
}

// Reset prepares p for the next response on the same connection.
func (p *Parser) Reset() {
	p.st = stStatus
	p.status = 0
	p.keepAlive = false
	p.haveLen = false
	p.length = 0
	p.body = 0
	p.header = 0
	p.total = 0
	p.err = nil
	p.lineLen = 0
	p.reasonLen = 0
}

// Status returns the response's status code (0 before the status line).
func (p *Parser) Status() int { return p.status }

// Body returns the body bytes received so far.
func (p *Parser) Body() int64 { return p.body }

// Len returns the body length announced by Content-Length (0 before the
// headers are complete).
func (p *Parser) Len() int64 { return p.length }

// Received returns every byte of the response consumed so far, headers
// included (for error messages such as "unexpected EOF after 12 bytes").
func (p *Parser) Received() int64 { return p.total }

// KeepAlive reports whether the connection may carry another request after
// this response (HTTP/1.1 without "Connection: close").
func (p *Parser) KeepAlive() bool { return p.keepAlive }

// Done reports whether a whole response has been parsed.
func (p *Parser) Done() bool { return p.st == stDone }

// Feed consumes bytes of the response from b. It returns how many bytes
// were consumed (fewer than len(b) only when the response ended inside b;
// the rest belongs to whatever follows), whether the response is complete,
// and an error if the response is malformed or its status is not 200. After
// an error every further Feed returns the same error.
func (p *Parser) Feed(b []byte) (n int, done bool, err error) {
	for n < len(b) {
		switch p.st {
		case stStatus, stHeader:
			m, err := p.feedLine(b[n:])
			n += m
			p.total += int64(m)
			if err != nil {
				return n, false, p.fail(err)
			}
		case stBody:
			m := int64(len(b) - n)
			if rem := p.length - p.body; m > rem {
				m = rem
			}
			if p.status != 200 {
				p.keepReason(b[n : n+int(m)])
			} else if p.Sink != nil {
				p.Sink.Write(b[n : n+int(m)])
			}
			p.body += m
			p.total += m
			n += int(m)
			if p.body == p.length || (p.status != 200 && p.reasonLen == maxReason) {
				// A non-200 body is only read for its reason; the
				// connection is discarded after the error anyway.
				p.finish()
			}
		case stDone:
			return n, true, nil
		default:
			return n, false, p.err
		}
	}
	switch p.st {
	case stDone:
		return n, true, nil
	case stErr:
		return n, false, p.err
	}
	return n, false, nil
}

// finish ends the response: done for 200, a StatusError otherwise.
func (p *Parser) finish() {
	if p.status == 200 {
		p.st = stDone
		return
	}
	p.st = stErr
	p.err = &StatusError{Code: p.status, Reason: trimReason(p.reason[:p.reasonLen])}
}

func (p *Parser) fail(err error) error {
	if p.status != 0 && p.status != 200 {
		// Say what the server answered even if the rest is broken.
		err = fmt.Errorf("server answered %d, then: %w", p.status, err)
	}
	p.st = stErr
	p.err = err
	return err
}

func (p *Parser) keepReason(b []byte) {
	p.reasonLen += copy(p.reason[p.reasonLen:], b)
}

func trimReason(b []byte) string {
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b = b[:i]
			break
		}
	}
	return string(b)
}

// feedLine consumes up to the end of one line from b and handles it when
// complete; lines split across calls are gathered in p.line.
func (p *Parser) feedLine(b []byte) (int, error) {
	i := indexLF(b)
	if i < 0 {
		if p.lineLen+len(b) > MaxLine {
			return len(b), p.lineTooLong()
		}
		if p.header+len(b) > MaxHeader {
			return len(b), fmt.Errorf("%w: header longer than %d bytes", ErrMalformed, MaxHeader)
		}
		p.lineLen += copy(p.line[p.lineLen:], b)
		p.header += len(b)
		return len(b), nil
	}
	m := i + 1
	if p.lineLen+m > MaxLine {
		return m, p.lineTooLong()
	}
	if p.header+m > MaxHeader {
		return m, fmt.Errorf("%w: header longer than %d bytes", ErrMalformed, MaxHeader)
	}
	p.header += m
	line := b[:m]
	if p.lineLen > 0 {
		p.lineLen += copy(p.line[p.lineLen:], line)
		line = p.line[:p.lineLen]
		p.lineLen = 0
	}
	if len(line) < 2 || line[len(line)-2] != '\r' {
		return m, fmt.Errorf("%w: line %q does not end in CRLF", ErrMalformed, clip(line))
	}
	line = line[:len(line)-2]
	if p.st == stStatus {
		return m, p.statusLine(line)
	}
	return m, p.headerLine(line)
}

func (p *Parser) lineTooLong() error {
	if p.st == stStatus {
		return fmt.Errorf("%w: status line longer than %d bytes", ErrMalformed, MaxLine)
	}
	return fmt.Errorf("%w: header line longer than %d bytes", ErrMalformed, MaxLine)
}

func indexLF(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// statusLine parses "HTTP/1.1 200 OK" (HTTP/1.0 is accepted without
// keep-alive).
func (p *Parser) statusLine(line []byte) error {
	const v11, v10 = "HTTP/1.1 ", "HTTP/1.0 "
	switch {
	case len(line) >= 12 && string(line[:9]) == v11:
		p.keepAlive = true
	case len(line) >= 12 && string(line[:9]) == v10:
		p.keepAlive = false
	default:
		return fmt.Errorf("%w: bad status line %q", ErrMalformed, clip(line))
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return fmt.Errorf("%w: bad status code in %q", ErrMalformed, clip(line))
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 || (len(line) > 12 && line[12] != ' ') {
		return fmt.Errorf("%w: bad status code in %q", ErrMalformed, clip(line))
	}
	p.status = code
	p.st = stHeader
	return nil
}

// headerLine handles one header, or the blank line ending the headers.
func (p *Parser) headerLine(line []byte) error {
	if len(line) == 0 {
		return p.endHeaders()
	}
	colon := -1
	for i, c := range line {
		if c == ':' {
			colon = i
			break
		}
		if !isToken(c) {
			return fmt.Errorf("%w: bad header line %q", ErrMalformed, clip(line))
		}
	}
	if colon <= 0 {
		return fmt.Errorf("%w: bad header line %q", ErrMalformed, clip(line))
	}
	name, value := line[:colon], trimSpace(line[colon+1:])
	for _, c := range value {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return fmt.Errorf("%w: control character in header line %q", ErrMalformed, clip(line))
		}
	}
	switch {
	case equalFold(name, "content-length"):
		n, ok := parseLength(value)
		if !ok {
			return fmt.Errorf("%w: bad Content-Length %q", ErrMalformed, clip(value))
		}
		if p.haveLen && n != p.length {
			return fmt.Errorf("%w: conflicting Content-Length headers", ErrMalformed)
		}
		p.haveLen, p.length = true, n
	case equalFold(name, "transfer-encoding"):
		return fmt.Errorf("%w: Transfer-Encoding %q is not supported (need Content-Length)", ErrMalformed, clip(value))
	case equalFold(name, "connection"):
		if equalFold(value, "close") {
			p.keepAlive = false
		} else if equalFold(value, "keep-alive") {
			p.keepAlive = true
		}
	}
	return nil
}

func (p *Parser) endHeaders() error {
	if !p.haveLen {
		if p.status != 200 {
			p.finish()
			return nil
		}
		return fmt.Errorf("%w: response has no Content-Length", ErrMalformed)
	}
	p.st = stBody
	if p.length == 0 {
		p.finish()
	}
	return nil
}

func parseLength(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 13 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n <= MaxBody
}

// isToken reports whether c may appear in a header name (RFC 9110 tchar).
func isToken(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold reports whether b equals the lower-case ASCII string s, ignoring
// ASCII case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// clip shortens b for an error message.
func clip(b []byte) string {
	const n = 64
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
