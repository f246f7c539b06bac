package resultfmt

import (
	"fmt"
	"strconv"
	"strings"

	"concbench/workload/params"
)

// Tags of the server-role experiments (ServerSpec.Tag): what the report's
// server charts read.
const (
	// TagServerRate is p99 latency against offered rate (open loop), one
	// trial per model, handler workload and rate: the knee chart.
	TagServerRate = "server-rate"
	// TagServerC10k is idle:N, N keep-alive connections held idle: memory
	// per connection and set-up rate against N.
	TagServerC10k = "server-c10k"
	// TagServerBlocking is the blocking handler (blocking-mistake, one
	// request in BlockEvery blocks): p99 of the other requests per model.
	TagServerBlocking = "server-blocking"
)

// ServerKeepUp is the share of the offered rate a server must achieve
// (Achieved) for a rate to count as kept up with: the knee's second
// condition, beside the p99 bound.
const ServerKeepUp = 0.95

// ServerSpec is one server-role trial as a sweep ran it: the model
// serving HTTP/1.1 on loopback, one request per task of Workload, driven
// by the load generator process with Load (open:RATE or idle:N).
type ServerSpec struct {
	Tag      string        `json:"tag"`
	Model    string        `json:"model"`
	Workload string        `json:"workload"`
	Load     string        `json:"load"`
	Tasks    int           `json:"tasks"`
	Params   params.Params `json:"params"`
	Config   Config        `json:"config"`
	// P99Bound is the p99 (ms) under which a rate counts below the
	// model's knee (server-rate only).
	P99Bound float64 `json:"p99_bound_ms,omitempty"`
}

// ServerTrial is one measured server-role trial: the generator's ledger
// and figures, the server's process tree as the parent sampled it, the C10k
// figures of an idle:N load, and why the trial is invalid or failed.
type ServerTrial struct {
	Spec   ServerSpec `json:"spec"`
	Repeat int        `json:"repeat"`
	// Offered is the open load's rate, requests/s (0 for idle:N).
	Offered  float64 `json:"offered_per_s,omitempty"`
	Sent     int     `json:"sent"`
	Answered int     `json:"answered"`
	Verified int     `json:"verified"`
	// Window is from the first intended send to the last answer, s; Rate
	// is answered requests per second over it.
	Window float64 `json:"window_s"`
	Rate   float64 `json:"rate_per_s"`
	// Achieved is the rate the server kept up with (open loop): answers
	// over the schedule's span plus the latency growth from the first
	// quarter of the requests to the last (medians), so a short window's
	// first latency or one late answer does not lower it; compared with
	// Offered for the knee.
	Achieved float64 `json:"achieved_per_s,omitempty"`
	// Latency from each request's intended send time, ms; P99Others is
	// the p99 of the requests whose task does not block (0 when none
	// blocks).
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	Max       float64 `json:"max_ms"`
	P99Others float64 `json:"p99_others_ms,omitempty"`
	Blocked   int     `json:"blocked,omitempty"`
	// The generator's own CPU (cores) and schedule lag p99 (ms).
	GenCores float64 `json:"gen_cores"`
	LagP99   float64 `json:"gen_lag_p99_ms"`
	Conns    int     `json:"gen_conns"`
	// The server's process tree.
	ServerCores   float64 `json:"server_cores"`
	ServerRSS     int64   `json:"server_rss_bytes"`
	ServerThreads int     `json:"server_threads_peak"`
	ServerPIDs    int     `json:"server_pids_peak"`
	// C10k (idle:N): connections set up per second, the server tree's RSS
	// before the first connection and with all N held, and their
	// difference per connection.
	SetupRate    float64 `json:"setup_per_s,omitempty"`
	BaseRSS      int64   `json:"base_rss_bytes,omitempty"`
	IdleRSS      int64   `json:"idle_rss_bytes,omitempty"`
	IdleFDs      int     `json:"idle_fds,omitempty"`
	IdleThreads  int     `json:"idle_threads,omitempty"`
	BytesPerConn float64 `json:"bytes_per_conn,omitempty"`
	// Invalid says why the figures cannot be trusted (the generator fell
	// behind its schedule or saturated, the ledgers disagree): the report
	// shows such trials as invalid and leaves them out of every median.
	Invalid string `json:"invalid,omitempty"`
	// Error is why the trial failed (no figures).
	Error string `json:"error,omitempty"`
}

// KeptUp reports whether an open-loop trial's server answered at >= share
// of the offered rate.
func (t *ServerTrial) KeptUp(share float64) bool {
	return t.Offered > 0 && t.Achieved >= share*t.Offered
}

// Usable reports whether t's figures may enter a median: it ran, and
// nothing marks it invalid.
func (t *ServerTrial) Usable() bool { return t.Error == "" && t.Invalid == "" }

// IdleConns is N of an idle:N load, 0 for any other.
func (s ServerSpec) IdleConns() int {
	v, ok := strings.CutPrefix(s.Load, "idle:")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(v)
	return n
}

// Name is the trial's label in notes: tag/model/workload/load.
func (s ServerSpec) Name() string {
	return fmt.Sprintf("%s/model=%s/workload=%s/load=%s", s.Tag, s.Model, s.Workload, s.Load)
}

// servers checks every number of the server trials the report
// uses (failed trials only for what marks them so).
func (c *checker) servers(ts []ServerTrial) {
	for i := range ts {
		t := &ts[i]
		c.where = fmt.Sprintf("server trial %d (%s)", i+1, t.Spec.Name())
		c.num("repeat", float64(t.Repeat), bound{0, 1e6, false})
		if c.err == nil && t.Spec.Tag != TagServerRate && t.Spec.Tag != TagServerC10k && t.Spec.Tag != TagServerBlocking {
			c.err = fmt.Errorf("%s: tag %q unknown (allowed %s, %s, %s)", c.where, t.Spec.Tag, TagServerRate, TagServerC10k, TagServerBlocking)
		}
		if t.Error != "" {
			continue
		}
		c.num("spec.tasks", float64(t.Spec.Tasks), taskSpan)
		c.num("spec.p99_bound_ms", t.Spec.P99Bound, bound{0, 1e6, false})
		if c.err == nil {
			if err := t.Spec.Params.Validate(); err != nil {
				c.err = fmt.Errorf("%s: spec.params: %v", c.where, err)
			}
		}
		if idle := t.Spec.IdleConns(); idle > 0 {
			c.num("setup_per_s", t.SetupRate, positive)
			c.num("bytes_per_conn", t.BytesPerConn, byteSpan)
		} else if _, err := ParseLoad(t.Spec.Load); err != nil || !strings.HasPrefix(t.Spec.Load, "open:") {
			if c.err == nil {
				c.err = fmt.Errorf("%s: spec.load %q: allowed open:RATE or idle:N", c.where, t.Spec.Load)
			}
		} else {
			c.num("offered_per_s", t.Offered, positive)
			c.num("p99_ms", t.P99, positive)
			if t.Spec.Tag == TagServerRate {
				// The knee chart draws the bound on its log axis.
				c.num("spec.p99_bound_ms", t.Spec.P99Bound, bound{0, 1e6, true})
			}
		}
		for _, x := range []struct {
			n string
			v float64
			b bound
		}{
			{"sent", float64(t.Sent), countMax}, {"answered", float64(t.Answered), countMax}, {"verified", float64(t.Verified), countMax},
			{"window_s", t.Window, nonNeg}, {"rate_per_s", t.Rate, nonNeg}, {"achieved_per_s", t.Achieved, nonNeg}, {"p50_ms", t.P50, nonNeg}, {"p99_ms", t.P99, nonNeg},
			{"max_ms", t.Max, nonNeg}, {"p99_others_ms", t.P99Others, nonNeg}, {"blocked", float64(t.Blocked), countMax},
			{"gen_cores", t.GenCores, coreSpan}, {"gen_lag_p99_ms", t.LagP99, nonNeg}, {"gen_conns", float64(t.Conns), countMax},
			{"server_cores", t.ServerCores, coreSpan}, {"server_rss_bytes", float64(t.ServerRSS), byteSpan},
			{"server_threads_peak", float64(t.ServerThreads), countMax}, {"server_pids_peak", float64(t.ServerPIDs), countMax},
			{"setup_per_s", t.SetupRate, nonNeg}, {"base_rss_bytes", float64(t.BaseRSS), byteSpan},
			{"idle_rss_bytes", float64(t.IdleRSS), byteSpan}, {"idle_fds", float64(t.IdleFDs), countMax},
			{"idle_threads", float64(t.IdleThreads), countMax}, {"bytes_per_conn", t.BytesPerConn, byteSpan},
		} {
			c.num(x.n, x.v, x.b)
		}
		if c.err == nil && t.Answered > t.Sent {
			c.err = fmt.Errorf("%s: answered %d > sent %d", c.where, t.Answered, t.Sent)
		}
	}
}
