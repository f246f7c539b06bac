package runtimes

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"concbench/models"
)

// The server role of the runtime models. The runner interpreter runs the
// server program (python/server.py or node/server.js, prepended to the
// runner so the server's handlers call the runner's own step code) as a
// child of the Go server process, so the harness samples its CPU and
// memory in that process's tree. The harness's listening socket is the
// interpreter's fd 3: the Go side keeps its listener, its address and its
// ready barrier; the interpreter accepts on the same socket.
//
// Designs, as in life: py-sequential an iterative server (one request per
// connection); py-threads gunicorn's gthread (the main thread polls the
// idle connections, W ThreadPoolExecutor threads run the requests);
// py-processes P prefork workers forked after the socket
// exists, one request per connection (gunicorn's sync workers); py-asyncio
// and py-uvloop asyncio.start_server; node-eventloop http.createServer;
// node-workers cluster (the primary owns the socket and hands connections
// to one worker process per CPU).
//
// Wire: the trial header and task arrays as for a client trial (runner
// model "serve-" + the model's, a batch load); the runner answers "ready
// {json}" once it serves, and when its stdin closes it writes its ledger
// "served {json}" (its own counts of answered requests, accepted
// connections, peak open connections, and its worker processes) and exits.

var (
	//go:embed python/server.py
	pythonServer string
	//go:embed node/server.js
	nodeServer string
)

// serveRunnerPrefix marks a server runner model on the wire.
const serveRunnerPrefix = "serve-"

// serverStopTimeout bounds how long a runner may take to write its ledger
// once told to stop.
const serverStopTimeout = 10 * time.Second

// serverSource returns the program the interpreter runs as s's server.
func (s spec) serverSource() string {
	if s.node {
		return nodeServer + "\n" + nodeRunner
	}
	return pythonServer + "\n" + pythonRunner
}

// serverLedger is the runner's "served" line.
type serverLedger struct {
	Served    int64 `json:"served"`
	Accepted  int64 `json:"accepted"`
	PeakConns int64 `json:"peak_conns"`
	PIDs      []int `json:"pids"`
}

// Serve implements models.Server: it runs the model's server in its
// runtime on h.Listener until ctx ends, then adds the runner's ledger to
// h's.
func (m *Model) Serve(ctx context.Context, h *models.Handling) error {
	if strings.HasPrefix(m.spec.runner, idiomaticPrefix) {
		return fmt.Errorf("%s is a calibration of the client role: it has no server", m.spec.name)
	}
	in, err := m.interpreter(h.Env.Direct)
	if err != nil {
		return err
	}
	defer h.Listener.Close()
	f, err := h.Listener.File()
	if err != nil {
		return m.errorf("pass the listening socket: %w", err)
	}
	defer f.Close()
	if err := inheritNofile(); err != nil {
		return m.errorf("%w", err)
	}
	m.serving, m.extra = true, []*os.File{f}
	if err := m.start(in); err != nil {
		return err
	}
	defer m.halt()
	workers := 0
	if m.spec.pool != nil {
		workers = m.spec.pool()
	}
	tr := &models.Trial{Tasks: h.Tasks, Env: h.Env, Load: models.Load{Shape: models.Batch}}
	err = m.handshake(ctx, serveRunnerPrefix+m.spec.runner, m.cfg.Concurrency, workers, tr)
	if err != nil {
		return err
	}
	h.MarkReady()
	return m.serveUntil(ctx, h)
}

// serveUntil waits until ctx ends, then stops the runner (closes its
// stdin) and adds its ledger to h's; a runner that prints or dies before
// is a fault.
func (m *Model) serveUntil(ctx context.Context, h *models.Handling) error {
	type line struct {
		kind string
		body []byte
		err  error
	}
	next := make(chan line, 1)
	go func() {
		k, b, err := m.line()
		next <- line{k, b, err}
	}()
	var l line
	select {
	case l = <-next:
		if l.err != nil {
			return l.err
		}
		return m.errorf("server stopped on its own: %w", m.garbage(l.kind, l.body))
	case <-ctx.Done():
	}
	m.stdin.Close()
	select {
	case l = <-next:
	case <-time.After(serverStopTimeout):
		killGroup(m.cmd.Process.Pid)
		<-next
		return m.errorf("no ledger within %v of the stop: killed", serverStopTimeout)
	}
	if l.err != nil {
		return l.err
	}
	var led serverLedger
	if l.kind != "served" || json.Unmarshal(l.body, &led) != nil {
		return m.garbage(l.kind, l.body)
	}
	h.Served.Add(led.Served)
	h.Accepted.Add(led.Accepted)
	h.ObserveConns(led.PeakConns)
	for _, pid := range led.PIDs {
		h.AddPID(pid)
	}
	select {
	case <-m.exited:
		if m.waitErr != nil {
			return m.errorf("server exited with %v after its ledger: %s", m.waitErr, clip(m.stderr.LastLine()))
		}
	case <-time.After(serverStopTimeout):
		return m.errorf("server did not exit after its ledger")
	}
	return nil
}

// halt kills the server runner's process group (a no-op once it has
// exited), reaps it and closes its pipes.
func (m *Model) halt() {
	select {
	case <-m.exited:
	default:
		killGroup(m.cmd.Process.Pid)
		<-m.exited
	}
	m.stdin.Close()
	m.outFile.Close()
	m.cmd = nil
}

var _ models.Server = (*Model)(nil)
