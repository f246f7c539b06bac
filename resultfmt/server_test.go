package resultfmt

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"concbench/workload/params"
)

func serverTrial() ServerTrial {
	return ServerTrial{Spec: ServerSpec{Tag: TagServerRate, Model: "eventloop", Workload: "io-sleep", Load: "open:400", Tasks: 60, P99Bound: 50, Params: params.DefaultParams},
		Offered: 400, Sent: 60, Answered: 60, Verified: 60, Window: 0.16, Rate: 375, Achieved: 398, P50: 10.5, P99: 12, Max: 13,
		GenCores: 0.1, LagP99: 1, Conns: 10, ServerCores: 0.2, ServerRSS: 16 << 20, ServerThreads: 5, ServerPIDs: 1}
}

// TestServerTrialsValidated: server trials round-trip through both forms
// of results.json, and a number out of range, an unknown tag or a load a
// server trial cannot have refuses the file with one line naming the
// trial and the field; a failed trial is checked only for what marks it.
func TestServerTrialsValidated(t *testing.T) {
	for _, name := range []string{"results.json", ResultsFile} {
		f := &File{Suite: "t", Complete: true, Trials: []Result{}, Servers: []ServerTrial{serverTrial()}}
		path := filepath.Join(t.TempDir(), name)
		if err := f.Write(path); err != nil {
			t.Fatal(err)
		}
		back, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := back.Validate(); err != nil {
			t.Fatal(err)
		}
		// As JSON: a Params field the schema does not carry (Exact) is
		// not part of the file.
		want, _ := json.Marshal(f.Servers)
		got, _ := json.Marshal(back.Servers)
		if string(got) != string(want) {
			t.Errorf("%s: server trials changed:\nwrote %s\nread  %s", name, want, got)
		}
	}
	for _, c := range []struct {
		name  string
		tweak func(*ServerTrial)
		want  string
	}{
		{"NaN p99", func(s *ServerTrial) { s.P99 = math.NaN() }, "server trial 1 (server-rate/model=eventloop/workload=io-sleep/load=open:400): p99_ms NaN out of range"},
		{"negative RSS", func(s *ServerTrial) { s.ServerRSS = -1 }, "server_rss_bytes -1 out of range"},
		{"unknown tag", func(s *ServerTrial) { s.Spec.Tag = "nope" }, `tag "nope" unknown`},
		{"batch load", func(s *ServerTrial) { s.Spec.Load = "batch" }, `spec.load "batch": allowed open:RATE or idle:N`},
		{"rate without a bound", func(s *ServerTrial) { s.Spec.P99Bound = 0 }, "spec.p99_bound_ms 0 out of range (allowed 0 < x <= 1e+06)"},
		{"zero offered", func(s *ServerTrial) { s.Offered = 0 }, "offered_per_s 0 out of range"},
		{"answers exceed sends", func(s *ServerTrial) { s.Answered = 61 }, "answered 61 > sent 60"},
		{"idle without set-up rate", func(s *ServerTrial) { s.Spec.Load = "idle:100"; s.Spec.Tag = TagServerC10k }, "setup_per_s 0 out of range"},
		{"failed trial", func(s *ServerTrial) { s.Error = "server died"; s.P99 = math.Inf(1) }, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := serverTrial()
			c.tweak(&s)
			f := &File{Suite: "t", Complete: true, Trials: []Result{}, Servers: []ServerTrial{s}}
			err := f.Validate()
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err %v, want one containing %q", err, c.want)
			}
		})
	}
}

// TestServerCSV: WriteResults writes the server trials to server.csv, one
// row each under ServerCSVHeader, and removes a server.csv that a file
// without server trials would leave stale.
func TestServerCSV(t *testing.T) {
	dir := t.TempDir()
	bad := serverTrial()
	bad.Spec.Model, bad.Invalid = "threads", "generator fell behind its schedule"
	f := &File{Suite: "t", Complete: true, Trials: []Result{}, Servers: []ServerTrial{serverTrial(), bad}}
	if err := WriteResults(dir, f); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, ServerCSV))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || !slices.Equal(rows[0], ServerCSVHeader) {
		t.Fatalf("server.csv has %d rows (want header + 2), header %v", len(rows), rows[0])
	}
	col := func(row []string, name string) string { return row[slices.Index(ServerCSVHeader, name)] }
	for _, c := range []struct{ row, col, want string }{
		{"1", "model", "eventloop"}, {"1", "p99_ms", "12"}, {"1", "server_rss_bytes", "16777216"}, {"1", "sleep_ms", "10"},
		{"2", "model", "threads"}, {"2", "invalid", "generator fell behind its schedule"},
	} {
		r, _ := strconv.Atoi(c.row)
		if got := col(rows[r], c.col); got != c.want {
			t.Errorf("server.csv row %s %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}
	f.Servers = nil
	if err := WriteResults(dir, f); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ServerCSV)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("server.csv left beside a file without server trials: %v", err)
	}
}
