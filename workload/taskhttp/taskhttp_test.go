package taskhttp

import (
	"bufio"
	"bytes"
	"testing"
)

func TestRequestRoundTrip(t *testing.T) {
	const nonce = 0xfeedface12345678
	for _, tc := range []struct {
		in   string
		task int
		n    int
		bad  bool
	}{
		{string(AppendRequest(nil, 42, nonce)), 42, len(AppendRequest(nil, 42, nonce)), false},
		{string(AppendRequest(nil, 7, nonce)) + "GET /task/8", 7, len(AppendRequest(nil, 7, nonce)), false},
		{"GET /task/1 HTTP/1.1\r\n\r\n", 0, 0, true},
		{"GET /task/1?nonce=zz HTTP/1.1\r\n\r\n", 0, 0, true},
		{"GET /task/3 HTTP/1.1\r\nHost: x", 0, 0, false},
		{"GET /other HTTP/1.1\r\n\r\n", 0, 0, true},
		{"GET /task/-1?nonce=1 HTTP/1.1\r\n\r\n", 0, 0, true},
		{"GET /task/1?nonce=1 HTTP/1.0\r\n\r\n", 0, 0, true},
		{"GET /task/1 " + string(bytes.Repeat([]byte("x"), MaxRequest)), 0, 0, true},
	} {
		task, got, n, err := ParseRequest([]byte(tc.in))
		if n > 0 && got != nonce {
			t.Errorf("ParseRequest(%.30q): nonce %#x, want %#x", tc.in, got, uint64(nonce))
		}
		if (err != nil) != tc.bad || task != tc.task || n != tc.n {
			t.Errorf("ParseRequest(%.30q) = %d, %d, %v; want %d, %d, bad=%v", tc.in, task, n, err, tc.task, tc.n, tc.bad)
		}
	}
}

func TestResponseRoundTrip(t *testing.T) {
	a := Answer{Digest: 0xdeadbeefcafe, Tid: 1234, Pid: 99}
	for _, closed := range []bool{false, true} {
		buf := AppendResponse(nil, a, closed)
		buf = AppendError(buf, "task 3: boom")
		r := bufio.NewReader(bytes.NewReader(buf))
		got, c, err := ReadResponse(r)
		if err != nil || got != a || c != closed {
			t.Fatalf("ReadResponse = %+v, %v, %v; want %+v, %v", got, c, err, a, closed)
		}
		if _, c, err := ReadResponse(r); err == nil || !c || !bytes.Contains([]byte(err.Error()), []byte("boom")) {
			t.Fatalf("error answer: closed %v, err %v", c, err)
		}
	}
}
