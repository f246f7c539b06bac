//go:build linux

package multiproc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// faultsEnabled arms EnvFault. Only this package's tests set it (in
// fault_enable_linux_test.go, compiled into the test binary that workers
// re-execute), so the concbench binary users run ignores the variable:
// no test hook is live in a release build.
var faultsEnabled bool

// faultSpec is EnvFault's value where faults are armed, else "".
func faultSpec() string {
	if !faultsEnabled {
		return ""
	}
	return os.Getenv(EnvFault)
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
