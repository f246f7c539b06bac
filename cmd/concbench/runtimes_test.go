package main

import (
	"strings"
	"testing"

	"concbench/runtimes"
)

// TestUnavailableRuntimeModels: a missing runtime is one line in list, a
// usage error (exit 2, the reason and the fix) for run, and a note when
// --model all skips it.
func TestUnavailableRuntimeModels(t *testing.T) {
	t.Setenv(runtimes.EnvNode, "/nonexistent/node")
	out, _, code := cli("list")
	if code != 0 || !strings.Contains(out, "node-eventloop  unavailable: /nonexistent/node not found") {
		t.Errorf("list (exit %d) does not say node-eventloop is unavailable:\n%s", code, out)
	}
	if !strings.Contains(out, "py-asyncio      CPython ") {
		t.Errorf("list does not name py-asyncio's interpreter:\n%s", out)
	}
	wantUsage(t, []string{"run", "--model", "node-eventloop", "--tasks", "1"}, "model node-eventloop is unavailable here: /nonexistent/node not found (install it, put it on PATH, or set CONCBENCH_NODE")
	wantUsage(t, []string{"run", "--role", "server", "--model", "node-eventloop", "--tasks", "1"}, "model node-eventloop is unavailable here: /nonexistent/node not found (install it, put it on PATH, or set CONCBENCH_NODE")
	out, errs, code := cli("run", "--model", "all", "--workload", "noop", "--tasks", "5", "--in-process")
	if code != 0 || !strings.Contains(errs, "skipping node-workers: /nonexistent/node not found") || strings.Contains(out, "node-eventloop") {
		t.Errorf("run --model all (exit %d) did not skip the Node.js models with a note:\n%s\n%s", code, errs, out)
	}
	if !strings.Contains(out, "py-asyncio") || !strings.Contains(out, "eventloop") {
		t.Errorf("run --model all left out available models:\n%s", out)
	}
}
