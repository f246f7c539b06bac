// Package taskhttp is the wire of the server role: an HTTP/1.1 request
// names one task of the trial's task list (GET /task/I), and the answer
// carries the task's result digest and the OS thread and process that ran
// it, so the load generator can verify the work and tests can observe the
// server's design (distinct threads, several prefork processes).
//
// The request parser is incremental (it reports an incomplete request as
// 0 bytes consumed), so the blocking servers and the event loop share it.
package taskhttp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// MaxRequest bounds the bytes of one request's head.
const MaxRequest = 4096

// ErrTooLong is a request head over MaxRequest bytes.
var ErrTooLong = errors.New("request head over 4096 bytes")

// AppendRequest appends the request for task index i to buf, carrying
// the trial's proof nonce (workload proof.go: drawn by the load generator
// at its time zero, so no answer can be computed before the clock).
func AppendRequest(buf []byte, i int, nonce uint64) []byte {
	buf = append(buf, "GET /task/"...)
	buf = strconv.AppendInt(buf, int64(i), 10)
	buf = append(buf, "?nonce="...)
	buf = strconv.AppendUint(buf, nonce, 16)
	return append(buf, " HTTP/1.1\r\nHost: concbench\r\n\r\n"...)
}

var prefix = []byte("GET /task/")

// ParseRequest parses the request at the start of buf: the task index, the
// nonce and the bytes the request took. n == 0 with a nil error means buf
// holds no complete request yet.
func ParseRequest(buf []byte) (task int, nonce uint64, n int, err error) {
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		if len(buf) > MaxRequest {
			return 0, 0, 0, ErrTooLong
		}
		return 0, 0, 0, nil
	}
	line, _, _ := bytes.Cut(buf[:end], []byte("\r\n"))
	rest, ok := bytes.CutPrefix(line, prefix)
	if !ok {
		return 0, 0, 0, fmt.Errorf("request %q: want GET /task/I?nonce=N", clip(line))
	}
	num, proto, ok := bytes.Cut(rest, []byte(" "))
	if !ok || !bytes.Equal(proto, []byte("HTTP/1.1")) {
		return 0, 0, 0, fmt.Errorf("request %q: want HTTP/1.1", clip(line))
	}
	num, hex, ok := bytes.Cut(num, []byte("?nonce="))
	if !ok {
		return 0, 0, 0, fmt.Errorf("request %q: want GET /task/I?nonce=N", clip(line))
	}
	i, err := strconv.Atoi(string(num))
	if err != nil || i < 0 {
		return 0, 0, 0, fmt.Errorf("request %q: task index is not a number >= 0", clip(line))
	}
	nonce, err = strconv.ParseUint(string(hex), 16, 64)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("request %q: nonce is not a hex number", clip(line))
	}
	return i, nonce, end + 4, nil
}

func clip(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	return string(b)
}

// Answer is what a server reports for one task.
type Answer struct {
	// Digest is the task's result (its step outputs folded with
	// workload.Mix).
	Digest uint64
	// Tid and Pid are the OS thread and process that ran the task's steps.
	Tid, Pid int
}

// AppendResponse appends the 200 answer a to buf; close adds
// "Connection: close" (the server closes the connection after it).
func AppendResponse(buf []byte, a Answer, close bool) []byte {
	var body [64]byte
	b := strconv.AppendUint(body[:0], a.Digest, 16)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(a.Tid), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(a.Pid), 10)
	b = append(b, '\n')
	buf = append(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "...)
	buf = strconv.AppendInt(buf, int64(len(b)), 10)
	if close {
		buf = append(buf, "\r\nConnection: close"...)
	}
	buf = append(buf, "\r\n\r\n"...)
	return append(buf, b...)
}

// AppendError appends a 500 answer carrying msg, with Connection: close.
func AppendError(buf []byte, msg string) []byte {
	buf = append(buf, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: "...)
	buf = strconv.AppendInt(buf, int64(len(msg)+1), 10)
	buf = append(buf, "\r\n\r\n"...)
	buf = append(buf, msg...)
	return append(buf, '\n')
}

// ReadResponse reads one answer from r. closed reports that the server
// said it closes the connection after it. A non-200 answer is an error
// carrying its body.
func ReadResponse(r *bufio.Reader) (a Answer, closed bool, err error) {
	status, err := r.ReadSlice('\n')
	if err != nil {
		return a, true, fmt.Errorf("read status line: %w", err)
	}
	code := 0
	if f := bytes.Fields(status); len(f) >= 2 {
		code, _ = strconv.Atoi(string(f[1]))
	}
	length := -1
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return a, true, fmt.Errorf("read header: %w", err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		k, v, _ := bytes.Cut(line, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil || length < 0 || length > MaxRequest {
				return a, true, fmt.Errorf("bad Content-Length %q", v)
			}
		case bytes.EqualFold(k, []byte("Connection")):
			closed = bytes.EqualFold(v, []byte("close"))
		}
	}
	if length < 0 {
		return a, true, errors.New("answer without Content-Length")
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return a, true, fmt.Errorf("read body: %w", err)
	}
	if code != 200 {
		return a, true, fmt.Errorf("server answered %d: %s", code, bytes.TrimSpace(body))
	}
	f := bytes.Fields(body)
	if len(f) != 3 {
		return a, true, fmt.Errorf("answer %q: want DIGEST TID PID", clip(body))
	}
	d, err1 := strconv.ParseUint(string(f[0]), 16, 64)
	tid, err2 := strconv.Atoi(string(f[1]))
	pid, err3 := strconv.Atoi(string(f[2]))
	if err := errors.Join(err1, err2, err3); err != nil {
		return a, true, fmt.Errorf("answer %q: %w", clip(body), err)
	}
	return Answer{Digest: d, Tid: tid, Pid: pid}, closed, nil
}
