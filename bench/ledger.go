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
	bySeed := make(map[uint64][]int32, len(f.entries))
	for i, e := range f.entries {
		bySeed[e.Seed] = append(bySeed[e.Seed], int32(i))
	}
	ours := make(map[uint64]bool, len(f.entries))
	var want, confirmed, bad int
	var first string
	for i, t := range f.tasks {
		for k, s := range t.Steps {
			if s.Kind != workload.Net {
				continue
			}
			seed := workload.NetSeed(t.ID, k)
			ours[seed] = true
			if f.end[i] == 0 {
				continue // not completed: no claim to check
			}
			want++
			if why := ledgerStep(f, i, s, bySeed[seed]); why != "" {
				bad++
				if first == "" {
					first = fmt.Sprintf("task %d step %d (%v, seed %d): %s", t.ID, k, s, seed, why)
				}
				continue
			}
			confirmed++
		}
	}
	outside := 0
	var outsideSeed uint64
	for _, e := range f.entries {
		if !ours[e.Seed] {
			if outside == 0 {
				outsideSeed = e.Seed
			}
			outside++
		}
	}
	d := fmt.Sprintf("%d of %d Net steps answered exactly once by the trial's latency server with their delay and size, inside their tasks' claimed intervals; its ledger holds %d requests", confirmed, want, len(f.entries))
	if f.base == 0 {
		d += " (no CLOCK_MONOTONIC here: intervals not checked)"
	}
	var err error
	switch {
	case first != "":
		d += fmt.Sprintf("; %d steps fail, first %s", bad, first)
		err = fmt.Errorf("net ledger: %s", first)
	case f.dropped > 0:
		d += fmt.Sprintf("; %d more requests did not fit its %d entries", f.dropped, server.MaxLedger)
		err = fmt.Errorf("net ledger: the latency server's ledger dropped %d requests beyond its %d entries: run fewer Net steps per trial", f.dropped, server.MaxLedger)
	case outside > 0:
		d += fmt.Sprintf("; %d requests from outside the trial (seeds of no step, e.g. %d)", outside, outsideSeed)
		err = fmt.Errorf("net ledger: the trial's own latency server got %d requests whose seed is no Net step of the trial (e.g. seed %d)", outside, outsideSeed)
	}
	return Check{Name: "net-ledger", OK: err == nil, Value: float64(confirmed), Bound: float64(want), Evidence: LedgerEvidence, Detail: d}, err
}

// ledgerStep checks Net step s of task i against the ledger entries with
// its seed (idx) and returns what is wrong, or "".
func ledgerStep(f ledgerFacts, i int, s workload.Step, idx []int32) string {
	switch len(idx) {
	case 0:
		return "the latency server's ledger has no request with its seed: the step never reached the server"
	case 1:
	default:
		return fmt.Sprintf("the latency server's ledger has %d requests with its seed, want exactly 1", len(idx))
	}
	e := f.entries[idx[0]]
	if e.Delay != s.Dur || e.Size != s.Size {
		return fmt.Sprintf("the server was asked for delay %v and %d bytes, the step is delay %v and %d bytes", e.Delay, e.Size, s.Dur, s.Size)
	}
	if e.Answer == 0 {
		return "the server never answered it: the client went away before the answer"
	}
	if f.base == 0 || e.Accept == 0 {
		return ""
	}
	ms := func(ns int64) float64 { return float64(ns) / 1e6 }
	accept, answer := e.Accept-f.base, e.Answer-f.base
	if accept < f.start[i]-f.tol {
		return fmt.Sprintf("the server accepted it at %.3f ms, before its task started at %.3f ms (trial time)", ms(accept), ms(f.start[i]))
	}
	if answer > f.end[i]+f.tol {
		return fmt.Sprintf("the server answered it at %.3f ms, after its task claims to have ended at %.3f ms (trial time): the step did not wait for the answer", ms(answer), ms(f.end[i]))
	}
	return ""
}
