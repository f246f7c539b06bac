// Package child re-executes the running binary in a named role (a trial
// child, a multi-process worker, the latency server). The role is chosen by
// an environment variable, so it works from the concbench CLI and from
// inside `go test` binaries alike: both call Main first thing (main() and
// TestMain respectively).
package child

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"syscall"
)

// EnvRole names the role a re-executed binary runs; EnvParent carries the
// parent's PID so a child can notice it was orphaned before Pdeathsig was
// armed.
const (
	EnvRole   = "CONCBENCH_ROLE"
	EnvParent = "CONCBENCH_PARENT"
)

// StopSignals end a concbench process as Ctrl-C does: SIGINT, SIGTERM and
// SIGHUP (a closed terminal or SSH session sends SIGHUP to the whole
// foreground process group, children included). Every signal.NotifyContext
// of the CLI, a trial child and a spawned server uses this list, so partial
// results are written and temporary files removed whichever arrives.
var StopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

var roles = map[string]func() int{}

// Register adds a role; main returns the process exit status. Register from
// init; a duplicate name panics (a programming error).
func Register(name string, main func() int) {
	if _, dup := roles[name]; dup {
		panic("child: duplicate role " + name)
	}
	roles[name] = main
}

// Main runs the role named in the environment, if any, and exits with its
// status; otherwise it returns at once. Call it first in main and TestMain.
func Main() {
	name := os.Getenv(EnvRole)
	if name == "" {
		return
	}
	main, ok := roles[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "concbench: unknown child role %q (known: %v)\n", name, Roles())
		os.Exit(2)
	}
	if p := os.Getenv(EnvParent); p != "" && strconv.Itoa(os.Getppid()) != p {
		os.Exit(3) // the parent died before we started: do not outlive it
	}
	os.Exit(main())
}

// Roles lists the registered role names.
func Roles() []string {
	names := make([]string, 0, len(roles))
	for n := range roles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Command returns a command re-executing this binary in role with args. The
// child dies with its parent (Pdeathsig, on Linux), runs in the parent's
// process group, and inherits the environment plus the role variables.
// Extra env entries ("K=V") are appended.
func Command(ctx context.Context, role string, env []string, args ...string) (*exec.Cmd, error) {
	if _, ok := roles[role]; !ok {
		return nil, fmt.Errorf("child role %q is not registered in this binary", role)
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), EnvRole+"="+role, EnvParent+"="+strconv.Itoa(os.Getpid()))
	cmd.Env = append(cmd.Env, env...)
	cmd.SysProcAttr = sysProcAttr()
	return cmd, nil
}
