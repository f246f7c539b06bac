// Package scripts holds the repository's helper scripts; this test checks
// scripts/provision.sh, which `make test` and `make report` run first.
package scripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestProvision runs provision.sh on a fake machine: a PATH of stubs
// (id, apt-get, python3, node, chromium) whose presence and answers each
// case chooses, and a stub apt-get that records its calls. So the logic
// that installs chromium and python3-uvloop on a bare machine is tested
// without removing them from this one.
func TestProvision(t *testing.T) {
	tests := []struct {
		name     string
		what     string   // test or report
		uid      string   // what id -u says
		present  []string // stubs on PATH among python3, node, chromium
		uvloop   bool     // python3 imports uvloop
		code     int
		apt      string // apt-get calls, one per line
		stderrIn string
	}{
		{"all present", "test", "0", []string{"python3", "node", "chromium"}, true, 0, "", ""},
		{"bare machine as root", "test", "0", []string{"python3", "node"}, false, 0,
			"update -qq\ninstall -y python3-uvloop chromium -qq\n", ""},
		{"bare machine not root", "test", "1000", []string{"python3", "node"}, false, 1, "",
			"provision: missing python3-uvloop chromium for make test: run `sudo apt-get update && sudo apt-get install -y python3-uvloop chromium`"},
		{"report needs no browser", "report", "0", []string{"python3", "node"}, true, 0, "", ""},
		{"report on a machine without node", "report", "0", []string{"python3"}, true, 0,
			"update -qq\ninstall -y nodejs -qq\n", ""},
	}
	script, err := filepath.Abs("provision.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			log := filepath.Join(t.TempDir(), "apt.log")
			stub := func(name, body string) {
				if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			stub("id", "echo "+tc.uid)
			stub("apt-get", `echo "$@" >> `+log)
			for _, p := range tc.present {
				switch {
				case p == "python3" && !tc.uvloop:
					stub(p, `case "$*" in *uvloop*) exit 1;; esac`)
				default:
					stub(p, "exit 0")
				}
			}
			cmd := exec.Command("/bin/bash", script, tc.what)
			cmd.Env = []string{"PATH=" + bin, "SYSTEM_PYTHON=" + filepath.Join(bin, "no-system-python")}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != tc.code {
				t.Fatalf("exit %d (%v), want %d; stderr %q", code, err, tc.code, stderr.String())
			}
			apt, _ := os.ReadFile(log)
			if string(apt) != tc.apt {
				t.Errorf("apt-get calls %q, want %q", apt, tc.apt)
			}
			if tc.stderrIn != "" {
				if s := strings.TrimSpace(stderr.String()); !strings.Contains(s, tc.stderrIn) || strings.Contains(s, "\n") {
					t.Errorf("stderr %q: want one line containing %q", s, tc.stderrIn)
				}
			}
		})
	}
}
