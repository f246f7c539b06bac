// Package serverrole is the harness of the server role: a model serves
// HTTP/1.1 on loopback in the design it has in life (models.Server), in a
// child process of its own, while a load generator, in another child
// process, sends one request per task of the chosen workload, open loop
// (latency from each request's intended send time, as wrk2) or closed (C
// connections), and verifies every answer's digest. The parent samples the
// server's process tree (CPU, RSS, fds, threads) from /proc and compares
// the generator's ledger with the server's.
//
// Cores are not pinned: on a 2-core machine pinning the generator to one
// core would cap every server at the other, hiding what a parallel model
// (goroutines, threads, prefork) gains from the second core. Instead the
// generator runs on GOMAXPROCS=1, so it takes at most about one core,
// measures its own CPU and its schedule lag, and a trial whose generator
// fell behind its schedule is marked invalid.
package serverrole

import (
	"fmt"
	"time"

	"concbench/models"
	"concbench/workload"
)

// Spec is one server-role trial of one model.
type Spec struct {
	Model    string          `json:"model"`
	Config   models.Config   `json:"config"`
	Workload string          `json:"workload"`
	Params   workload.Params `json:"params"`
	Tasks    int             `json:"tasks"`
	// Load is open:RATE[:poisson], closed:C or idle:N (a batch has no
	// meaning for a server: requests arrive over time).
	Load string `json:"load"`
	// MaxConns bounds the generator's connections (0: DefaultMaxConns);
	// an open-loop request finding none free waits for one, and the wait
	// counts in its latency.
	MaxConns int `json:"max_conns,omitempty"`
	// Timeout bounds the whole trial.
	Timeout time.Duration `json:"timeout_ns"`
}

// Defaults and bounds.
const (
	// DefaultMaxConns is the generator's connection cap.
	DefaultMaxConns = 4096
	// MaxLagP99 is the generator's schedule lag (p99 of actual minus
	// intended send) above which a trial is invalid: the generator, not
	// the server, was late.
	MaxLagP99 = 10 * time.Millisecond
	// MaxGenCores is the generator CPU use (cores, over the window) above
	// which it was saturated: the trial is invalid.
	MaxGenCores = 0.9
)

// fdReserve is the fds a server or generator process needs besides its
// connections.
const fdReserve = 256

// Result is one model's row: what the generator measured and verified,
// what the server's ledger says, and the server's process tree.
type Result struct {
	Spec Spec `json:"spec"`
	// The generator's ledger.
	Sent     int `json:"sent"`
	Answered int `json:"answered"`
	Verified int `json:"verified"`
	// NetConfirmed is how many Net steps of the handlers the latency
	// server's ledger bears out (written by that server, not the model's).
	NetConfirmed int `json:"net_steps_confirmed,omitempty"`
	// Window is from the first intended send to the last answer, s.
	Window float64 `json:"window_s"`
	// Rate is answered requests per second over the window.
	Rate float64 `json:"rate_per_s"`
	// DoneRate is the rate the server kept up with (open loop): answers
	// over the schedule's span plus the latency growth from the first
	// quarter of the requests to the last; compared with the offer.
	DoneRate float64 `json:"done_rate_per_s,omitempty"`
	// Latency percentiles from each request's intended send time, ms.
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
	// P99Others is the p99 of the requests whose task makes no Block step
	// (the blocking handler's victims), Blocked how many did block; both 0
	// when no task blocks.
	P99Others float64 `json:"p99_others_ms,omitempty"`
	Blocked   int     `json:"blocked,omitempty"`
	// The generator's own figures: CPU cores over the window and the lag
	// of its schedule (actual minus intended send), ms.
	GenCores float64 `json:"gen_cores"`
	LagP99   float64 `json:"gen_lag_p99_ms"`
	LagMax   float64 `json:"gen_lag_max_ms"`
	// Connections the generator opened; distinct server threads and
	// processes named in the answers.
	Conns     int `json:"gen_conns"`
	Threads   int `json:"answer_threads"`
	Processes int `json:"answer_processes"`
	// The server's ledger (what it claims).
	Served    int64 `json:"served"`
	Accepted  int64 `json:"accepted"`
	PeakConns int64 `json:"peak_conns"`
	// The server's process tree, sampled from /proc by the parent
	// (evidence the server does not write).
	ServerCPU     float64 `json:"server_cpu_s"`
	ServerCores   float64 `json:"server_cores"`
	ServerRSS     int64   `json:"server_rss_bytes"`
	ServerFDs     int     `json:"server_fds_peak"`
	ServerThreads int     `json:"server_threads_peak"`
	ServerPIDs    int     `json:"server_pids_peak"`
	// Invalid says why the trial's figures cannot be trusted (the
	// generator fell behind or saturated, ledgers disagree); "" if valid.
	Invalid string `json:"invalid,omitempty"`
	// The C10k figures of an idle:N load: connections set up per second
	// (dial + one answered request each, 64 at a time), and the server
	// tree's RSS, fds and threads with all N held idle, against before
	// the first connection.
	SetupRate    float64 `json:"setup_per_s,omitempty"`
	IdleRSS      int64   `json:"idle_rss_bytes,omitempty"`
	BaseRSS      int64   `json:"base_rss_bytes,omitempty"`
	IdleFDs      int     `json:"idle_fds,omitempty"`
	IdleThreads  int     `json:"idle_threads,omitempty"`
	BytesPerConn float64 `json:"bytes_per_conn,omitempty"`
	Error        string  `json:"error,omitempty"`
}

// Validate checks a spec's load and sizes; the message says what is
// allowed.
func (s *Spec) Validate() error {
	if s.Tasks < 1 || s.Tasks > 1_000_000 {
		return fmt.Errorf("--tasks %d out of range for the server role (allowed 1..1000000)", s.Tasks)
	}
	if n, idle, err := parseIdle(s.Load); idle || err != nil {
		if err != nil {
			return err
		}
		// The server and the generator each hold n sockets, plus a few;
		// Run raises their hard limit when this process may (fdsNeeded).
		if lim := fdLimit(); uint64(n)+fdReserve > lim && !canRaiseFDs() {
			return fmt.Errorf("load %q: %d connections need %d fds per process, over the hard RLIMIT_NOFILE %d, and this process may not raise it (it lacks CAP_SYS_RESOURCE, which root has unless a container drops it): run concbench with that capability, or from a shell whose hard limit is raised first (ulimit -Hn %d)", s.Load, n, uint64(n)+fdReserve, lim, uint64(n)+fdReserve)
		}
	} else if _, err := parseLoad(s.Load, s.Tasks, s.Params.Seed); err != nil {
		return err
	}
	if s.MaxConns < 0 || s.MaxConns > 100_000 {
		return fmt.Errorf("generator connections %d out of range (allowed 0..100000)", s.MaxConns)
	}
	return nil
}

// fdsNeeded is the RLIMIT_NOFILE the server and the generator need for
// spec's load when it is over this process's hard limit (Run raises
// theirs to it), else 0.
func fdsNeeded(s Spec) uint64 {
	n, idle, err := parseIdle(s.Load)
	if !idle || err != nil || uint64(n)+fdReserve <= fdLimit() {
		return 0
	}
	return uint64(n) + fdReserve
}
