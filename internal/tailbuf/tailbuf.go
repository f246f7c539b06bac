// Package tailbuf keeps the last bytes written to it: the end of a child
// process's stderr, which is where its one-line reason for failing is.
package tailbuf

import (
	"strings"
	"sync"
)

// Tail is an io.Writer that keeps the last Max bytes written. It is safe
// for concurrent use (exec copies a child's stderr from its own goroutine).
type Tail struct {
	Max int // bytes kept; 4096 when zero

	mu  sync.Mutex
	buf []byte
}

// Write keeps the tail of p; it never fails.
func (t *Tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	limit := t.Max
	if limit <= 0 {
		limit = 4096
	}
	t.buf = append(t.buf, p...)
	if len(t.buf) > limit {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-limit:]...)
	}
	return len(p), nil
}

// String returns the kept bytes, trimmed of surrounding white space.
func (t *Tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.buf))
}

// LastLine returns the last non-empty line kept.
func (t *Tail) LastLine() string {
	s := t.String()
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// OneLine returns the kept lines joined by "; ", for a one-line error.
func (t *Tail) OneLine() string {
	return strings.ReplaceAll(t.String(), "\n", "; ")
}
