package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/internal/child"
)

// The "cli" role runs the real CLI in a re-executed test binary, so a test
// can signal it like a user pressing Ctrl-C.
func init() {
	child.Register("cli", func() int {
		if f := os.Getenv("CONCBENCH_CLI_READY"); f != "" {
			signalsReady = func() { os.WriteFile(f, nil, 0o644) }
		}
		return exitCode(run(strings.Fields(os.Getenv("CONCBENCH_CLI_ARGS")), os.Stdout, os.Stderr), os.Stderr)
	})
}

// childrenOf lists the PIDs whose parent is pid.
func childrenOf(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z"
}

// TestCtrlC interrupts a long run: the CLI must exit 130 promptly and its
// trial child must not survive it.
func TestCtrlC(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd, err := child.Command(ctx, "cli", []string{"CONCBENCH_CLI_ARGS=run --model sequential --workload io-sleep --tasks 1000 --sleep 1s"})
	if err != nil {
		t.Fatal(err)
	}
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Wait until the trial child exists.
	var kids []int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if kids = childrenOf(cmd.Process.Pid); len(kids) > 0 {
			break
		}
	}
	if len(kids) == 0 {
		t.Fatal("the CLI started no trial child")
	}
	time.Sleep(200 * time.Millisecond)
	_ = cmd.Process.Signal(syscall.SIGINT)
	var lines []string
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	err = cmd.Wait()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want status 130; stderr %q", err, lines)
	}
	if got := strings.Join(lines, "\n"); !strings.Contains(got, "interrupted") {
		t.Errorf("stderr %q does not say interrupted", got)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if !alive(kids[0]) {
			return
		}
	}
	t.Errorf("trial child %d outlived the interrupted CLI", kids[0])
}
