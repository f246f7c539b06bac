package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"concbench/bench"
	"concbench/models"
	"concbench/report"
	"concbench/serverrole"
)

// serverFlags are the flags of `concbench run --role server`.
type serverFlags struct {
	role     string
	maxConns int
}

func (f *serverFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.role, "role", "client", "client: the model runs the tasks; server: the model serves HTTP/1.1, one request per task, driven by a load generator process (--load open:RATE[:poisson], closed:C, or idle:N: N keep-alive connections held idle, C10k)")
	fs.IntVar(&f.maxConns, "gen-conns", serverrole.DefaultMaxConns, "--role server: the load generator's connection cap")
}

// runServerRole runs every model in names as a server under the
// generator and prints one row per model.
func runServerRole(ctx context.Context, f *trialFlags, names []string, stdout, stderr io.Writer) error {
	if f.server.role != "server" {
		return usagef("--role %q unknown (allowed: client, server)", f.server.role)
	}
	if f.maxRep != 0 || f.inProc {
		return usagef("--role server: --max-repeat and --in-process are not supported (--repeat R runs R trials per model, each in fresh server and generator processes)")
	}
	var specs []serverrole.Spec
	for _, m := range names {
		if i, _ := models.Lookup(m); i.Usable() != nil {
			return usagef("model %s is unavailable here: %v", m, i.Usable()) // as in the client role
		}
		if err := serverrole.Supports(m); err != nil {
			if f.models == "all" {
				fmt.Fprintf(stderr, "concbench: skipping %s: %v\n", m, err)
				continue
			}
			return usagef("%v", err)
		}
		s := f.spec
		s.Model = m
		// The trial flags are checked as for the client role; an idle:N
		// load (the server role's own) is checked by serverrole.
		vs := s
		if strings.HasPrefix(s.Load, "idle:") {
			vs.Load = "closed:1"
		}
		if err := bench.ValidateSpec(&vs); err != nil {
			return err
		}
		s.Params = vs.Params
		sp := serverrole.Spec{Model: m, Config: models.Config(s.Config), Workload: s.Workload, Params: s.Params,
			Tasks: s.Tasks, Load: s.Load, MaxConns: f.server.maxConns, Timeout: s.Timeout}
		if err := sp.Validate(); err != nil {
			return usagef("%v", err)
		}
		specs = append(specs, sp)
	}
	meta := bench.CollectMeta(200 * time.Millisecond)
	for _, w := range meta.Warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	var rows []*serverrole.Result
	var labels []string // the model, and the repeat when --repeat > 1
	var firstErr error
	// Round r runs every model's repeat r: drift of the machine spreads
	// over the models.
	for r := range f.repeat {
		for _, sp := range specs {
			row, err := runServerTrial(ctx, sp, stderr)
			if err != nil && row == nil {
				return err
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
			label := sp.Model
			if f.repeat > 1 {
				label = fmt.Sprintf("%s %d/%d", sp.Model, r+1, f.repeat)
			}
			rows, labels = append(rows, row), append(labels, label)
		}
	}
	if f.repeat > 1 {
		// Each model's repeats together, in the order asked.
		idx := make([]int, len(rows))
		for i := range idx {
			idx[i] = i
		}
		pos := func(i int) int { return slices.Index(names, rows[i].Spec.Model) }
		slices.SortStableFunc(idx, func(a, b int) int { return pos(a) - pos(b) })
		r2, l2 := make([]*serverrole.Result, len(idx)), make([]string, len(idx))
		for k, i := range idx {
			r2[k], l2[k] = rows[i], labels[i]
		}
		rows, labels = r2, l2
	}
	if f.jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		if err := enc.Encode(rows); err != nil {
			return err
		}
	} else {
		what := "latency from each request's intended send time"
		if strings.HasPrefix(f.spec.Load, "idle:") {
			what = "connections opened 64 at a time, one request each, then held idle"
		}
		fmt.Fprintf(stdout, "role=server workload=%s load=%s tasks=%d (%s)\n", f.spec.Workload, f.spec.Load, f.spec.Tasks, what)
		tab := serverTable(rows, labels)
		if strings.HasPrefix(f.spec.Load, "idle:") {
			tab = idleTable(rows, labels)
		}
		if err := tab.RenderWidth(stdout, termWidth(stdout, f.wide)); err != nil {
			return err
		}
	}
	if firstErr != nil {
		return fmt.Errorf("some trials failed: %w", firstErr)
	}
	return nil
}

// serverTable is one row per model: the generator's achieved rate and
// latency, the server tree's CPU, RSS, connections and threads, and the
// generator's own lag and CPU.
func serverTable(rows []*serverrole.Result, labels []string) report.Table {
	t := report.Table{ID: "server",
		Header: []string{"model", "req/s", "p50 ms", "p99 ms", "server CPU cores", "server RSS MiB", "gen lag p99 ms",
			"gen CPU cores", "verified", "conns", "server threads", "server PIDs", "note"},
		Core: []string{"model", "req/s", "p50 ms", "p99 ms", "server CPU cores", "server RSS MiB", "gen lag p99 ms", "note"},
		More: []string{"verified", "conns", "server threads", "server PIDs", "gen CPU cores"},
	}
	for i, r := range rows {
		note := r.Invalid
		if note != "" {
			note = "INVALID: " + note
		}
		if r.Error != "" {
			note = "FAILED: " + firstLine(r.Error)
		}
		f2 := func(v float64) string { return report.FormatNum(v) }
		verified := fmt.Sprintf("%d/%d", r.Verified, r.Spec.Tasks)
		if r.NetConfirmed > 0 { // the Net steps the latency server's ledger confirms
			verified += fmt.Sprintf(", %d net", r.NetConfirmed)
		}
		t.Rows = append(t.Rows, []string{labels[i], f2(r.Rate), f2(r.P50), f2(r.P99), strconv.FormatFloat(r.ServerCores, 'f', 3, 64),
			f2(float64(r.ServerRSS) / (1 << 20)), f2(r.LagP99), strconv.FormatFloat(r.GenCores, 'f', 3, 64),
			verified, strconv.Itoa(r.Conns), strconv.Itoa(r.ServerThreads),
			strconv.Itoa(r.ServerPIDs), strings.TrimSpace(note)})
	}
	return t
}

// idleTable is the C10k table of an idle:N load: connection set-up rate
// and the server tree's memory per idle connection, fds and threads.
func idleTable(rows []*serverrole.Result, labels []string) report.Table {
	t := report.Table{ID: "idle",
		Header: []string{"model", "conns", "set-up conns/s", "KiB/idle conn", "server RSS MiB", "server fds", "server threads", "verified", "note"},
		Core:   []string{"model", "conns", "set-up conns/s", "KiB/idle conn", "server RSS MiB", "server fds", "server threads", "note"},
		More:   []string{"verified"},
	}
	for i, r := range rows {
		note := r.Invalid
		if note != "" {
			note = "INVALID: " + note
		}
		if r.Error != "" {
			note = "FAILED: " + firstLine(r.Error)
		}
		t.Rows = append(t.Rows, []string{labels[i], strconv.Itoa(r.Conns), report.FormatNum(r.SetupRate),
			report.FormatNum(r.BytesPerConn / 1024), report.FormatNum(float64(r.IdleRSS) / (1 << 20)),
			strconv.Itoa(r.IdleFDs), strconv.Itoa(r.IdleThreads), strconv.Itoa(r.Verified), note})
	}
	return t
}

// runServerTrial runs one trial and returns its row (a failed trial's row
// carries the error); only an interrupt returns no row.
func runServerTrial(ctx context.Context, sp serverrole.Spec, stderr io.Writer) (*serverrole.Result, error) {
	r, err := serverrole.Run(ctx, sp)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("stopped during %s: %w", sp.Model, context.Cause(ctx))
	}
	if err != nil {
		fmt.Fprintf(stderr, "concbench: %s server failed: %v\n", sp.Model, err)
		if r == nil {
			r = &serverrole.Result{Spec: sp, Error: err.Error()}
		}
	}
	if r.Invalid != "" {
		fmt.Fprintf(stderr, "warning: %s: trial invalid: %s\n", sp.Model, r.Invalid)
	}
	return r, err
}
