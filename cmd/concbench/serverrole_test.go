package main

import (
	"encoding/json"
	"strings"
	"testing"

	"concbench/serverrole"
)

// TestServerRoleRepeat: --repeat R runs R trials per model in the server
// role, each verified; the table labels each row with its repeat.
func TestServerRoleRepeat(t *testing.T) {
	args := []string{"run", "--role", "server", "--model", "eventloop,goroutines", "--workload", "io-sleep", "--sleep", "1ms", "--load", "open:200", "--tasks", "20", "--repeat", "2"}
	out, errs, code := cli(append(args, "--json")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rows []serverrole.Result
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	n := map[string]int{}
	for _, r := range rows {
		n[r.Spec.Model]++
		if r.Verified != 20 || r.Served != 20 {
			t.Errorf("%s: verified %d, served %d, want 20", r.Spec.Model, r.Verified, r.Served)
		}
	}
	if len(rows) != 4 || n["eventloop"] != 2 || n["goroutines"] != 2 {
		t.Errorf("trials per model %v (%d rows), want 2 each", n, len(rows))
	}
	out, errs, code = cli(append(args, "--wide")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, label := range []string{"eventloop 1/2", "eventloop 2/2", "goroutines 1/2", "goroutines 2/2"} {
		if !strings.Contains(out, label) {
			t.Errorf("table lacks row %q:\n%s", label, out)
		}
	}
	wantUsage(t, append(args, "--max-repeat", "3"), "--role server: --max-repeat and --in-process are not supported")
}
