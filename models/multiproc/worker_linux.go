//go:build linux

package multiproc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"concbench/models"
	"concbench/workload"
)

// The worker's pipe ends: cmd.ExtraFiles puts them at fds 3 and 4.
const (
	workerIn  = 3
	workerOut = 4
)

// workerMain is the worker role's main: it serves tasks until its input
// ends, and returns the process exit status.
func workerMain() int {
	if err := serve(workerIn, workerOut); err != nil {
		fmt.Fprintf(os.Stderr, "multiproc worker pid %d: %v\n", os.Getpid(), err)
		return 1
	}
	return 0
}

// serve answers the hello, then runs one task frame at a time with
// workload.Exec and writes its result frame, until the task stream ends.
// It uses blocking read/write syscalls on raw fds: with GOMAXPROCS=1 and
// nothing else to do, parking in the netpoller would only add latency.
func serve(inFD, outFD int) error {
	for _, fd := range []int{inFD, outFD} {
		if err := unix.SetNonblock(fd, false); err != nil {
			return os.NewSyscallError("fcntl", err)
		}
	}
	fault, err := parseFault(os.Getenv(EnvFault), os.Getenv(envRespawned) != "")
	if err != nil {
		return err
	}
	fr := frameReader{r: bufio.NewReaderSize(fdReader(inFD), 64<<10)}
	out := fdWriter(outFD)
	typ, body, err := fr.next()
	if err != nil {
		return fmt.Errorf("read hello: %w", err)
	}
	if typ != frameHello {
		return fmt.Errorf("%w: first frame type %q, want hello", ErrCorrupt, typ)
	}
	var h hello
	if err := json.Unmarshal(body, &h); err != nil {
		return fmt.Errorf("decode hello: %w", err)
	}
	ex, err := workload.NewExec(h.Env, 1)
	if err != nil {
		return err
	}
	defer ex.Close()

	pid := os.Getpid()
	buf := appendReady(nil, pid)
	if err := out.write(buf); err != nil {
		return err
	}
	ctx := context.Background()
	var steps []workload.Step
	res := result{pid: pid}
	for {
		typ, body, err := fr.next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read task: %w", err)
		}
		if typ != frameTask {
			return fmt.Errorf("%w: frame type %q, want task", ErrCorrupt, typ)
		}
		slot, t, err := decodeTask(body, steps)
		if err != nil {
			return err
		}
		steps = t.Steps
		if fault.mode != "" && fault.task == t.ID {
			fault.fire(out, slot, pid)
		}
		start := time.Now()
		res.cpu = res.cpu[:0]
		var acc uint64
		failed := -1
		for k, s := range t.Steps {
			var v uint64
			if s.Kind == workload.CPU {
				c0 := monotonic()
				v, err = ex.Step(ctx, t, s)
				res.cpu = append(res.cpu, c0, monotonic())
			} else {
				v, err = ex.Step(ctx, t, s)
			}
			if err != nil {
				buf = appendError(buf[:0], slot, pid, k, models.StepError(k, s, err).Error())
				failed = k
				break
			}
			acc = workload.Mix(acc, v)
		}
		if failed < 0 {
			res.slot, res.inner, res.result = slot, int64(time.Since(start)), acc
			buf = appendResult(buf[:0], &res)
		}
		if err := out.write(buf); err != nil {
			return err
		}
	}
}

// monotonic returns CLOCK_MONOTONIC in ns: one clock for every process on
// the machine, so CPU intervals from different workers can be compared.
func monotonic() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Nano()
}

// fdReader reads a raw blocking fd.
type fdReader int

// Read implements io.Reader, retrying on EINTR.
func (fd fdReader) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(int(fd), p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, os.NewSyscallError("read", err)
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// fdWriter writes a raw blocking fd.
type fdWriter int

// write writes all of b, retrying on EINTR and short writes.
func (fd fdWriter) write(b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(int(fd), b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return os.NewSyscallError("write", err)
		}
		b = b[n:]
	}
	return nil
}

// fault is an injected worker failure (see EnvFault).
type fault struct {
	task uint32
	mode string
}

// parseFault parses EnvFault's value; a replacement worker ignores the
// fault unless it is marked ":always".
func parseFault(spec string, respawned bool) (fault, error) {
	if spec == "" {
		return fault{}, nil
	}
	f := strings.Split(spec, ":")
	if len(f) < 3 || len(f) > 4 || f[0] != "task" || (len(f) == 4 && f[3] != "always") {
		return fault{}, fmt.Errorf("%s=%q: want task:ID:MODE[:always]", EnvFault, spec)
	}
	id, err := strconv.ParseUint(f[1], 10, 32)
	if err != nil {
		return fault{}, fmt.Errorf("%s=%q: task id: %w", EnvFault, spec, err)
	}
	switch f[2] {
	case "panic", "exit", "kill", "corrupt", "truncate":
	default:
		return fault{}, fmt.Errorf("%s=%q: mode %q (allowed: panic, exit, kill, corrupt, truncate)", EnvFault, spec, f[2])
	}
	if respawned && len(f) == 3 {
		return fault{}, nil
	}
	return fault{task: uint32(id), mode: f[2]}, nil
}

// fire makes the worker fail as the fault says. corrupt writes a frame
// with an impossible length and then hangs, so the parent must notice the
// bytes, not the exit; truncate writes half a result frame and exits.
func (f fault) fire(out fdWriter, slot, pid int) {
	switch f.mode {
	case "panic":
		panic(fmt.Sprintf("injected fault in task %d", f.task))
	case "exit":
		os.Exit(7)
	case "kill":
		_ = unix.Kill(pid, unix.SIGKILL)
		time.Sleep(time.Hour)
	case "corrupt":
		_ = out.write([]byte{0xff, 0xff, 0xff, 0x7f, frameResult, 1, 2, 3})
		time.Sleep(time.Hour)
	case "truncate":
		b := appendResult(nil, &result{slot: slot, pid: pid})
		_ = out.write(b[:len(b)/2])
		os.Exit(0)
	}
}

// tail keeps the last bytes a worker wrote to stderr, for error messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 4096

// Write implements io.Writer.
func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	return len(p), nil
}

// summary returns ": " and the most telling stderr line (a panic message,
// else the last line), or "" when the worker wrote nothing.
func (t *tail) summary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "panic: ") || strings.HasPrefix(l, "fatal error: ") {
			return ": " + l
		}
	}
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return ": " + l
	}
	return ""
}
