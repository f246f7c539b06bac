//go:build linux

package runtimes_test

import (
	"bufio"
	"context"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"concbench/models"
	"concbench/runtimes"
	"concbench/workload"
	"concbench/workload/taskhttp"
)

// TestServeAnswersAndRefuses drives each runtime model's server directly
// (models.Server on a loopback listener): a request's answer carries the
// digest workload.Expected computes for its task and nonce; a malformed
// request and a task out of range are answered 500 with a line saying
// what is wrong; the interpreter's ledger counts only the answered request
// and every accepted connection; its fd limit is the raised one; and
// Serve returns once ctx ends.
func TestServeAnswersAndRefuses(t *testing.T) {
	for _, name := range runtimes.Names() {
		t.Run("model="+name, func(t *testing.T) {
			info, err := models.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			m, err := info.New(info.Resolve(models.Config{}))
			if err != nil {
				t.Fatal(err)
			}
			p := workload.DefaultParams
			p.Nonce = 0xfeedface12345678
			tasks, err := workload.Build("cpu-hash", 4, p)
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			ready := make(chan struct{})
			h := &models.Handling{Listener: l, Tasks: tasks, Ready: func() { close(ready) }}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- m.(models.Server).Serve(ctx, h) }()
			select {
			case <-ready:
			case err := <-done:
				t.Fatalf("Serve returned before ready: %v", err)
			}
			if soft := nofile(t, interpreter(t)); soft < nofile(t, os.Getpid()) {
				t.Errorf("interpreter's soft RLIMIT_NOFILE %d, want at least this process's raised %d", soft, nofile(t, os.Getpid()))
			}
			addr := l.Addr().String()
			for _, tc := range []struct {
				req, want string // want: "" = 200 with the task's digest, else in the 500's body
			}{
				{string(taskhttp.AppendRequest(nil, 2, p.Nonce)), ""},
				{string(taskhttp.AppendRequest(nil, 9, p.Nonce)), "task index 9 out of range (4 tasks)"},
				{"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", "want GET /task/I?nonce=N"},
			} {
				a, err := ask(addr, tc.req)
				switch {
				case tc.want == "" && err != nil:
					t.Errorf("%q: %v", tc.req, err)
				case tc.want == "" && a.Digest != workload.Expected(tasks[2], p):
					t.Errorf("%q: digest %x, want %x", tc.req, a.Digest, workload.Expected(tasks[2], p))
				case tc.want == "" && a.Pid == os.Getpid():
					t.Errorf("%q: answered by pid %d, this process, not the interpreter", tc.req, a.Pid)
				case tc.want != "" && (err == nil || !strings.Contains(err.Error(), "answered 500") || !strings.Contains(err.Error(), tc.want)):
					t.Errorf("%q: err %v, want a 500 saying %q", tc.req, err, tc.want)
				}
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("Serve: %v", err)
			}
			if h.Served.Load() != 1 || h.Accepted.Load() != 3 {
				t.Errorf("ledger: served %d accepted %d, want 1 and 3", h.Served.Load(), h.Accepted.Load())
			}
		})
	}
}

// ask sends req on a new connection and reads one answer.
func ask(addr, req string) (taskhttp.Answer, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return taskhttp.Answer{}, err
	}
	defer c.Close()
	if _, err := c.Write([]byte(req)); err != nil {
		return taskhttp.Answer{}, err
	}
	a, _, err := taskhttp.ReadResponse(bufio.NewReader(c))
	return a, err
}

// interpreter returns the one child process of this test process.
func interpreter(t *testing.T) int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		k := strings.LastIndexByte(string(b), ')')
		if f := strings.Fields(string(b[k+1:])); len(f) > 1 && f[1] == me && f[0] != "Z" {
			pid, _ := strconv.Atoi(e.Name())
			return pid
		}
	}
	t.Fatal("no interpreter process under this test")
	return 0
}

// nofile is the soft RLIMIT_NOFILE of pid.
func nofile(t *testing.T, pid int) uint64 {
	t.Helper()
	var rl unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &rl); err != nil {
		t.Fatal(os.NewSyscallError("prlimit", err))
	}
	return rl.Cur
}
