package bench

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"concbench/resultfmt"
)

func TestParseSuite(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		wantErr string // "" means it parses
		cells   int
	}{
		{"minimal", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"models":["sequential"],"tasks":[10]}]}`, "", 1},
		{"cross product", `{"name":"s","experiments":[{"tag":"x","workloads":["noop","io-sleep"],"models":["sequential","pool"],"tasks":[10,20],"concurrency":[1,2]}]}`, "", 16},
		{"default models are the six Go ones", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]}`, "", 6},
		{"open seconds sets tasks", `{"name":"s","experiments":[{"tag":"o","workloads":["noop"],"models":["pool"],"loads":["open:200","open:50"],"open_seconds":0.5}]}`, "", 2},
		{"matches tasks", `{"name":"s","experiments":[{"tag":"m","workloads":["io-sleep"],"models":["pool"],"tasks":[10,100],"concurrency_matches_tasks":true,"params":{"sleep":"1s"}}]}`, "", 2},
		{"not json", `{"name":`, "not valid JSON", 0},
		{"unknown field", `{"name":"s","experimentz":[]}`, "unknown field", 0},
		{"no name", `{"experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]}`, "no name", 0},
		{"no experiments", `{"name":"s"}`, "no experiments", 0},
		{"no tag", `{"name":"s","experiments":[{"workloads":["noop"],"tasks":[1]}]}`, "no tag", 0},
		{"unknown workload", `{"name":"s","experiments":[{"tag":"x","workloads":["nope"],"tasks":[1]}]}`, `unknown workload "nope"`, 0},
		{"unknown model", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"models":["fibers"],"tasks":[1]}]}`, `unknown model "fibers"`, 0},
		{"bad load", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"loads":["open:-1"],"tasks":[1]}]}`, "rate must be", 0},
		{"no tasks", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"]}]}`, "no task counts", 0},
		{"zero tasks", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"tasks":[0]}]}`, "out of range", 0},
		{"bad duration", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"tasks":[1],"params":{"sleep":"10 parsecs"}}]}`, "bad duration", 0},
		{"bad kernel", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"tasks":[1],"params":{"kernel":"md5"}}]}`, `unknown kernel "md5"`, 0},
		{"bad repeats", `{"name":"s","repeats":-1,"experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]}`, "repeats", 0},
		// issue 11: every cell is checked before the sweep runs; a zero
		// written in the file is not replaced by the default; nothing may
		// follow the suite; the timeout is bounded.
		{"cell out of range", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"models":["pool"],"loads":["open:1e7"],"open_seconds":3600}]}`, "cell x/noop/pool/open:1e7/n=36000000000: --tasks 36000000000 out of range", 0},
		{"text after the suite", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]} {}`, "text after the closing brace", 0},
		{"zero sleep", `{"name":"s","experiments":[{"tag":"x","workloads":["io-sleep"],"tasks":[1],"params":{"sleep":"0s"}}]}`, "sleep 0s out of range", 0},
		{"zero files", `{"name":"s","experiments":[{"tag":"x","workloads":["io-file"],"tasks":[1],"params":{"files":0}}]}`, "files 0 out of range", 0},
		{"unknown param", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"tasks":[1],"params":{"sleeep":"1s"}}]}`, "unknown field", 0},
		{"concurrency too large", `{"name":"s","experiments":[{"tag":"x","workloads":["noop"],"tasks":[1],"concurrency":[2000000]}]}`, "--concurrency 2000000 out of range", 0},
		{"huge timeout", `{"name":"s","timeout":"2562047h","experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]}`, "timeout 2562047h0m0s out of range", 0},
		// issue 22, defect 7: suite-level zeros were silently defaults.
		{"zero repeats", `{"name":"s","repeats":0,"experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]}`, "repeats written as 0 is not allowed (allowed 1..100", 0},
		{"zero max repeats", `{"name":"s","max_repeats":0,"experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]}`, "max_repeats written as 0", 0},
		{"zero seed", `{"name":"s","seed":0,"experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]}`, "seed written as 0", 0},
		{"zero timeout", `{"name":"s","timeout":"0s","experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]}`, "timeout written as 0", 0},
		{"zero ci target", `{"name":"s","ci_target":0,"experiments":[{"tag":"x","workloads":["noop"],"tasks":[1]}]}`, "ci_target written as 0", 0},
		{"zero net delay is zero", `{"name":"s","experiments":[{"tag":"x","workloads":["io-net"],"models":["pool"],"tasks":[1],"params":{"net_delay":"0s","net_size":0}}]}`, "", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseSuite(strings.NewReader(tc.json))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cells := s.Cells()
			if len(cells) != tc.cells {
				t.Fatalf("%d cells, want %d", len(cells), tc.cells)
			}
			if tc.name == "zero net delay is zero" {
				if p := cells[0].Params.Fill(); p.NetDelay != 0 || p.NetSize != 0 || p.Sleep == 0 {
					t.Errorf("suite params %+v: want zero net delay and size, default sleep", p)
				}
			}
			for _, c := range cells {
				if c.Tag == "" || c.Timeout != 2*time.Minute {
					t.Errorf("cell %+v lacks tag or default timeout", c)
				}
			}
		})
	}
}

func TestSuiteCellDetails(t *testing.T) {
	s, err := ParseSuite(strings.NewReader(`{"name":"s","experiments":[
		{"tag":"o","workloads":["noop"],"models":["pool"],"loads":["open:200"],"open_seconds":0.5},
		{"tag":"m","workloads":["io-sleep"],"models":["pool"],"tasks":[10],"concurrency_matches_tasks":true,"params":{"sleep":"1s"},"series":7}]}`))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Cells()
	if c[0].Tasks != 100 || c[0].Load != "open:200" {
		t.Errorf("open cell = %d tasks %s, want 100 tasks open:200", c[0].Tasks, c[0].Load)
	}
	if c[1].Config.Concurrency != 10 || c[1].Params.Sleep != time.Second || c[1].Series != 7 {
		t.Errorf("memory cell = %+v, want concurrency 10, sleep 1s, series 7", c[1])
	}
}

func TestLoadSuite(t *testing.T) {
	for _, name := range SuiteNames() {
		s, err := LoadSuite(name)
		if err != nil {
			t.Fatalf("built-in %s: %v", name, err)
		}
		tags := map[string]bool{}
		for _, c := range s.Cells() {
			tags[c.Tag] = true
			if c.Tag == resultfmt.TagBlocking && c.Series == 0 {
				t.Errorf("%s: blocking cells keep no series", name)
			}
		}
		for _, tag := range []string{resultfmt.TagThroughput, resultfmt.TagSpeedup, resultfmt.TagIOScaling, resultfmt.TagMemory, resultfmt.TagOpenLoad, resultfmt.TagBlocking} {
			if !tags[tag] {
				t.Errorf("built-in suite %s does not feed %s", name, tag)
			}
		}
	}
	if _, err := LoadSuite("no-such-suite"); !errors.Is(err, ErrUnknownSuite) || !strings.Contains(err.Error(), "quick") {
		t.Errorf("unknown suite: err = %v, want ErrUnknownSuite listing the built-ins", err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"b","experiments":[{"tag":"x","workloads":["noop"],"models":["nope"],"tasks":[1]}]}`), 0o644)
	if _, err := LoadSuite(bad); !errors.Is(err, ErrBadSuite) || !strings.Contains(err.Error(), "bad.json") {
		t.Errorf("bad file: err = %v, want ErrBadSuite naming the file", err)
	}
}

// TestExampleSuite keeps the documented example file valid.
func TestExampleSuite(t *testing.T) {
	s, err := LoadSuite("../scripts/suite-example.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Cells()) == 0 {
		t.Error("example suite has no cells")
	}
}

// TestLoadSuiteContextStops (issue 22, defect 5): reading a suite from a
// FIFO with no writer ends when the context does (Ctrl-C), where it once
// blocked in open(2) for ever.
func TestLoadSuiteContextStops(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "suite.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := LoadSuiteContext(ctx, fifo); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("FIFO with no writer: %v", err)
	}
	// Release the abandoned reader, so no goroutine outlives the test.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}
