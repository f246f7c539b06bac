package bench

import (
	"context"
	"fmt"

	"concbench/server"
	"concbench/workload"
)

// sweepServer is the latency server a sweep keeps for all its trials with
// Net steps, spawned at the first of them, instead of one per trial
// (unless CONCBENCH_SERVER names a remote one). Each trial reads its own
// requests from the server's ledger and empties it (bench/ledger.go).
type sweepServer struct {
	opts server.Options
	srv  *server.Process
	// dirty says the last trial on it may have left requests in its
	// ledger (it failed before reading them).
	dirty bool
}

// newSweepServer sizes the server for every cell: the largest Net delay
// (twice, as a trial's own server) and response size any cell asks for.
func newSweepServer(cells []Spec) *sweepServer {
	o := server.Options{MaxDelay: server.Defaults.MaxDelay, MaxSize: server.Defaults.MaxSize}
	for _, c := range cells {
		p := c.Params.Fill()
		o.MaxDelay = max(o.MaxDelay, 2*p.NetDelay)
		o.MaxSize = max(o.MaxSize, p.NetSize)
	}
	return &sweepServer{opts: o}
}

// forSpec returns the server spec's trial uses (zero when it has no Net
// steps or uses a remote server), spawning it on first use.
func (ss *sweepServer) forSpec(ctx context.Context, spec Spec) (sharedServer, error) {
	if pr, _ := workload.Lookup(spec.Workload); !pr.NeedsNet || RemoteServer() != "" {
		return sharedServer{}, nil
	}
	if ss.srv == nil {
		srv, err := server.Spawn(ctx, ss.opts)
		if err != nil {
			return sharedServer{}, fmt.Errorf("start the sweep's latency server: %w", err)
		}
		ss.srv = srv
	}
	return sharedServer{addr: ss.srv.Addr(), pid: ss.srv.PID()}, nil
}

// clean empties the ledger if the previous trial left requests there; it
// runs before the next trial's window opens (a child started ahead has not
// touched the ledger yet).
func (ss *sweepServer) clean(ctx context.Context) error {
	if !ss.dirty || ss.srv == nil {
		return nil
	}
	fctx, cancel := context.WithTimeout(ctx, ledgerTimeout)
	defer cancel()
	if _, _, err := ss.srv.Ledger(fctx, true); err != nil {
		return fmt.Errorf("the sweep's latency server: empty its ledger: %w", err)
	}
	ss.dirty = false
	return nil
}

// after notes how a trial on the server ended: one that failed may have
// left requests in the ledger.
func (ss *sweepServer) after(used sharedServer, err error) {
	if used.addr != "" && err != nil {
		ss.dirty = true
	}
}

// stop stops the server, if it ran.
func (ss *sweepServer) stop() {
	if ss.srv != nil {
		_, _ = ss.srv.Stop()
		ss.srv = nil
	}
}
