package bench

import (
	"strings"
	"testing"
)

// TestParseServerSuite: a suite file's server experiments are checked
// like its experiments, each error naming the experiment and what is
// allowed.
func TestParseServerSuite(t *testing.T) {
	const client = `"experiments":[{"tag":"x","workloads":["noop"],"models":["sequential"],"tasks":[1]}]`
	for _, c := range []struct {
		name, servers, wantErr string
	}{
		{"rate", `[{"tag":"server-rate","workloads":["io-sleep"],"loads":["open:50","open:400"],"seconds":0.1,"p99_bound_ms":50}]`, ""},
		{"c10k", `[{"tag":"server-c10k","workloads":["noop"],"models":["eventloop"],"loads":["idle:1000"],"tasks":10}]`, ""},
		{"unknown tag", `[{"tag":"server-x","workloads":["noop"],"loads":["open:5"],"tasks":1}]`, `server experiment 1 (server-x): tag "server-x" unknown (allowed server-rate, server-c10k, server-blocking)`},
		{"batch load", `[{"tag":"server-blocking","workloads":["noop"],"loads":["batch"],"tasks":1}]`, `load "batch": a server experiment takes open:RATE or idle:N`},
		{"idle too many", `[{"tag":"server-c10k","workloads":["noop"],"loads":["idle:1000000"],"tasks":1}]`, "idle:N takes 1..100000 connections"},
		{"no bound", `[{"tag":"server-rate","workloads":["noop"],"loads":["open:5"],"tasks":1}]`, "p99_bound_ms 0 out of range"},
		{"unknown model", `[{"tag":"server-c10k","workloads":["noop"],"models":["fibers"],"loads":["idle:10"],"tasks":1}]`, `unknown model "fibers"`},
		{"too many requests", `[{"tag":"server-blocking","workloads":["noop"],"loads":["open:1e7"],"seconds":600}]`, "requests out of range (allowed 1..1000000)"},
		{"no tasks", `[{"tag":"server-blocking","workloads":["noop"],"loads":["open:5"]}]`, "no tasks nor seconds"},
		{"unknown field", `[{"tag":"server-c10k","workloads":["noop"],"loads":["idle:10"],"tasks":1,"conns":5}]`, "unknown field"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseSuite(strings.NewReader(`{"name":"s",` + client + `,"servers":` + c.servers + `}`))
			switch {
			case c.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Fatalf("err %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

// TestBuiltinServerSections: the built-in suites' server sections pass
// their checks, both run 5 repeats (issue 19's rule) with the
// three experiments, C10k up to 30,000 connections.
func TestBuiltinServerSections(t *testing.T) {
	for name, want := range map[string]int{"default": 5, "quick": 5} {
		s, err := LoadSuite(name)
		if err != nil {
			t.Fatal(err)
		}
		tags := map[string]bool{}
		for _, e := range s.Servers {
			tags[e.Tag] = true
			if r := e.Repeats; r == 0 && s.Repeats != want || r != 0 && r != want {
				t.Errorf("%s: %s repeats %d (suite %d), want %d", name, e.Tag, r, s.Repeats, want)
			}
		}
		if len(tags) != 3 {
			t.Errorf("%s: server experiments %v, want the three tags", name, tags)
		}
	}
	s, _ := LoadSuite("default")
	found := false
	for _, e := range s.Servers {
		for _, l := range e.Loads {
			found = found || l == "idle:30000"
		}
	}
	if !found {
		t.Error("default suite: no idle:30000 cell")
	}
}
