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
	"time"

	"golang.org/x/sys/unix"

	"concbench/internal/child"
	"concbench/models"
	"concbench/workload"
)

// The worker's pipe ends: cmd.ExtraFiles puts them at fds 3 and 4.
const (
	workerIn  = 3
	workerOut = 4
)

func init() { child.Register(Role, workerMain) }

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
	fault, err := parseFault(faultSpec(), os.Getenv(envRespawned) != "")
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
		slot, t, nonce, err := decodeTask(body, steps)
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
				v, err = ex.Step(ctx, t, k, nonce)
				res.cpu = append(res.cpu, c0, monotonic())
			} else {
				v, err = ex.Step(ctx, t, k, nonce)
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
