package bench

import (
	"context"
	"fmt"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/server"
	"concbench/workload"
)

// LedgerEvidence names the evidence of the net-ledger invariant.
const LedgerEvidence = resultfmt.EvidenceLedger

// ledgerTimeout bounds fetching the ledger after a trial.
const ledgerTimeout = 10 * time.Second

// proveNet checks every Net step of the trial's completed tasks against
// the ledger of the trial's own latency server (server.Ledger: written by
// the server, never by the model): each step's seed answered exactly once,
// with the step's delay and size, the request accepted after its task
// started and answered before its task ended (the task's claimed
// interval: per-step stamps are not recorded). Requests whose seed is no
// step of the trial are reported as from outside it. It records the
// net-ledger invariant in res and returns an error naming the first step
// that breaks it; nil when the trial has no Net steps, no server of its
// own (a remote CONCBENCH_SERVER serves other clients, on another clock),
// or was interrupted.
func proveNet(ctx context.Context, rs *resources, tasks []workload.Task, rec *models.Recorder, res *Result) error {
	if rs == nil || !rs.own() || ctx.Err() != nil || !hasKind(tasks, workload.Net) {
		return nil
	}
	fctx, cancel := context.WithTimeout(ctx, ledgerTimeout)
	defer cancel()
	// Reset: a server kept for several trials starts each with an empty
	// ledger.
	entries, dropped, err := rs.ledger(fctx)
	if err != nil {
		res.SetCheck(Check{Name: "net-ledger", Evidence: LedgerEvidence, Detail: "the latency server's ledger could not be read: " + err.Error()})
		return fmt.Errorf("net ledger: %w", err)
	}
	base, tol := rec.MonoBase()
	c, err := checkLedger(ledgerFacts{tasks: tasks, start: rec.Start, end: rec.End, entries: entries, dropped: dropped, base: base, tol: tol})
	res.SetCheck(c)
	return err
}

// ledgerFacts is what checkLedger compares: the tasks and their claimed
// start and end (Recorder ns; end 0 = not completed), and the server's
// ledger with the Recorder's time zero on its clock (base; 0 = no times)
// and the tolerance of that conversion.
type ledgerFacts struct {
	tasks      []workload.Task
	start, end []int64
	entries    []server.Entry
	dropped    int64
	base, tol  int64
}

// checkLedger is the net-ledger invariant (see proveNet). Its value is the
// number of Net steps the ledger confirms; its bound, the Net steps of the
// completed tasks.
func checkLedger(f ledgerFacts) (Check, error) {
	var claims []server.Claim
	var where [][2]int // task index and step of each claim
	for i, t := range f.tasks {
		for k, s := range t.Steps {
			if s.Kind != workload.Net {
				continue
			}
			c := server.Claim{Seed: workload.NetSeed(t.ID, k), Delay: s.Dur, Size: s.Size, Unclaimed: f.end[i] == 0}
			if f.base != 0 && !c.Unclaimed {
				c.From, c.To = f.base+f.start[i], f.base+f.end[i]
			}
			claims = append(claims, c)
			where = append(where, [2]int{i, k})
		}
	}
	a := server.AuditLedger(f.entries, claims, f.tol, func(ns int64) string {
		return fmt.Sprintf("%.3f ms", float64(ns-f.base)/1e6)
	}, "trial time")
	d := fmt.Sprintf("%d of %d Net steps answered exactly once by the trial's latency server with their delay and size, inside their tasks' claimed intervals; its ledger holds %d requests", a.Confirmed, a.Claimed, len(f.entries))
	if f.base == 0 {
		d += " (no CLOCK_MONOTONIC here: intervals not checked)"
	}
	var err error
	switch {
	case a.First != "":
		w := where[a.FirstClaim]
		t, c := f.tasks[w[0]], claims[a.FirstClaim]
		first := fmt.Sprintf("task %d step %d (%v, seed %d): %s", t.ID, w[1], t.Steps[w[1]], c.Seed, a.First)
		d += fmt.Sprintf("; %d steps fail, first %s", a.Bad, first)
		err = fmt.Errorf("net ledger: %s", first)
	case f.dropped > 0:
		d += fmt.Sprintf("; %d more requests did not fit its %d entries", f.dropped, server.MaxLedger)
		err = fmt.Errorf("net ledger: the latency server's ledger dropped %d requests beyond its %d entries: run fewer Net steps per trial", f.dropped, server.MaxLedger)
	case a.Outside > 0:
		d += fmt.Sprintf("; %d requests from outside the trial (seeds of no step, e.g. %d)", a.Outside, a.OutsideSeed)
		err = fmt.Errorf("net ledger: the trial's own latency server got %d requests whose seed is no Net step of the trial (e.g. seed %d)", a.Outside, a.OutsideSeed)
	}
	return Check{Name: "net-ledger", OK: err == nil, Value: float64(a.Confirmed), Bound: float64(a.Claimed), Evidence: LedgerEvidence, Detail: d}, err
}
