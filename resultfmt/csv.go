package resultfmt

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ResultsFile is the name of the results file a sweep writes: compact,
// rounded and gzip-compressed JSON (results.json once decompressed).
const ResultsFile = "results.json" + GzipExt

// ServerCSV is the file of the server-role trials, beside results.csv.
const ServerCSV = "server.csv"

// WriteResults writes f as dir/results.json.gz and dir/results.csv (and
// dir/server.csv when f has server-role trials), each atomically, and
// removes a results.json left by an older version, which would otherwise
// be read instead, and a server.csv that f has no trials for.
func WriteResults(dir string, f *File) error {
	if err := f.Write(filepath.Join(dir, ResultsFile)); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(dir, "results.json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the old results.json: %w", err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, f.Trials); err != nil {
		return err
	}
	if err := WriteAtomic(filepath.Join(dir, "results.csv"), buf.Bytes()); err != nil {
		return err
	}
	srv := filepath.Join(dir, ServerCSV)
	if len(f.Servers) == 0 {
		if err := os.Remove(srv); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the old %s: %w", ServerCSV, err)
		}
		return nil
	}
	buf.Reset()
	if err := WriteServerCSV(&buf, f.Servers); err != nil {
		return err
	}
	return WriteAtomic(srv, buf.Bytes())
}

// CSVHeader is the column list of results.csv: one row per trial, flat.
var CSVHeader = []string{
	"tag", "model", "workload", "load", "tasks", "concurrency", "gomaxprocs", "repeat", "isolated",
	"sleep_ms", "units", "block_ms", "block_every",
	"completed", "makespan_s", "throughput_per_s",
	"lat_min_ms", "lat_mean_ms", "lat_p50_ms", "lat_p90_ms", "lat_p99_ms", "lat_p999_ms", "lat_max_ms",
	"wait_p50_ms", "wait_p99_ms", "service_p50_ms", "service_p99_ms",
	"cpu_user_s", "cpu_sys_s", "cpu_cores", "tasks_per_cpu_s",
	"base_rss_bytes", "peak_rss_bytes", "child_maxrss_bytes", "mem_per_inflight_bytes", "peak_inflight", "peak_cpu_steps",
	"ctx_voluntary", "ctx_involuntary", "threads_peak", "gc_cycles", "sched_p99_ms", "started", "invariants_violated", "error",
}

// WriteCSV writes trials as results.csv.
func WriteCSV(w io.Writer, trials []Result) error {
	g, d := csvNum, csvMS
	return writeCSV(w, CSVHeader, len(trials), func(i int) []string {
		r := trials[i]
		s := r.Spec
		return []string{
			s.Tag, s.Model, s.Workload, s.Load, strconv.Itoa(s.Tasks), strconv.Itoa(r.Config.Concurrency), strconv.Itoa(r.Config.Procs),
			strconv.Itoa(r.Repeat), strconv.FormatBool(r.Isolated),
			d(s.Params.Sleep), strconv.Itoa(int(s.Params.Units)), d(s.Params.Block), strconv.Itoa(s.Params.BlockEvery),
			strconv.FormatInt(r.Completed, 10), g(r.Makespan), g(r.Throughput),
			g(r.Latency.Min), g(r.Latency.Mean), g(r.Latency.P50), g(r.Latency.P90), g(r.Latency.P99), g(r.Latency.P999), g(r.Latency.Max),
			g(r.Wait.P50), g(r.Wait.P99), g(r.Service.P50), g(r.Service.P99),
			g(r.CPUUser), g(r.CPUSys), g(r.CPUCores), g(r.TasksPerCPU),
			strconv.FormatInt(r.BaseRSS, 10), strconv.FormatInt(r.PeakRSS, 10), strconv.FormatInt(r.ChildMaxRSS, 10),
			g(r.MemPerInflight), strconv.FormatInt(r.PeakInflight, 10), strconv.FormatInt(r.PeakCPUSteps, 10),
			strconv.FormatInt(r.CtxVoluntary, 10), strconv.FormatInt(r.CtxInvoluntary, 10), strconv.Itoa(r.Threads),
			strconv.FormatUint(r.Runtime.GCCycles, 10), g(r.Runtime.SchedP99), r.Started.Format(time.RFC3339Nano), r.ViolationNames(), r.Error,
		}
	})
}

// writeCSV writes header and then row(i) for i in [0, n) as CSV.
func writeCSV(w io.Writer, header []string, n int, row func(i int) []string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for i := range n {
		if err := cw.Write(row(i)); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

// csvNum and csvMS format a number (6 significant digits) and a duration
// in ms for the CSV files.
func csvNum(v float64) string      { return strconv.FormatFloat(v, 'g', 6, 64) }
func csvMS(v time.Duration) string { return csvNum(float64(v) / 1e6) }

// ServerCSVHeader is the column list of server.csv: one row per
// server-role trial, flat (ServerTrial's JSON names).
var ServerCSVHeader = []string{
	"tag", "model", "workload", "load", "tasks", "concurrency", "gomaxprocs", "repeat", "sleep_ms", "units", "block_ms", "block_every",
	"offered_per_s", "sent", "answered", "verified", "window_s", "rate_per_s", "achieved_per_s",
	"p50_ms", "p99_ms", "max_ms", "p99_others_ms", "blocked",
	"gen_cores", "gen_lag_p99_ms", "gen_conns",
	"server_cores", "server_rss_bytes", "server_threads_peak", "server_pids_peak",
	"setup_per_s", "base_rss_bytes", "idle_rss_bytes", "idle_fds", "idle_threads", "bytes_per_conn",
	"invalid", "error",
}

// WriteServerCSV writes server-role trials as server.csv.
func WriteServerCSV(w io.Writer, trials []ServerTrial) error {
	g, d, i := csvNum, csvMS, strconv.Itoa
	i64 := func(v int64) string { return strconv.FormatInt(v, 10) }
	return writeCSV(w, ServerCSVHeader, len(trials), func(k int) []string {
		t := trials[k]
		s := t.Spec
		return []string{
			s.Tag, s.Model, s.Workload, s.Load, i(s.Tasks), i(s.Config.Concurrency), i(s.Config.Procs), i(t.Repeat),
			d(s.Params.Sleep), i(int(s.Params.Units)), d(s.Params.Block), i(s.Params.BlockEvery),
			g(t.Offered), i(t.Sent), i(t.Answered), i(t.Verified), g(t.Window), g(t.Rate), g(t.Achieved),
			g(t.P50), g(t.P99), g(t.Max), g(t.P99Others), i(t.Blocked),
			g(t.GenCores), g(t.LagP99), i(t.Conns),
			g(t.ServerCores), i64(t.ServerRSS), i(t.ServerThreads), i(t.ServerPIDs),
			g(t.SetupRate), i64(t.BaseRSS), i64(t.IdleRSS), i(t.IdleFDs), i(t.IdleThreads), g(t.BytesPerConn),
			t.Invalid, t.Error,
		}
	})
}
