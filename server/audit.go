package server

import (
	"fmt"
	"time"
)

// Claim is one Net step a client says it made: the request's seed, delay
// and size, and when it may have been accepted and answered.
type Claim struct {
	Seed  uint64
	Delay time.Duration
	Size  int64
	// From and To bound, on the ledger's clock (CLOCK_MONOTONIC ns), when
	// the server may have accepted the request and answered it: the span
	// of the task that made it. 0 for both: not checked (no monotonic
	// clock, or nothing to bound it with).
	From, To int64
	// Unclaimed marks the step of a task that did not complete: its seed
	// belongs to the run, but nothing is claimed of it.
	Unclaimed bool
}

// Audit is what the ledger says of a run's claims.
type Audit struct {
	// Claimed is the claims checked (not Unclaimed); Confirmed those the
	// ledger bears out; Bad the others.
	Claimed, Confirmed, Bad int
	// First says what is wrong with the first bad claim, FirstClaim is
	// its index in the claims.
	First      string
	FirstClaim int
	// Outside counts ledger entries whose seed is no claim's (requests
	// from outside the run), OutsideSeed the first of them.
	Outside     int
	OutsideSeed uint64
}

// AuditLedger checks each claim against the ledger entries: its seed
// answered exactly once, with its delay and size, accepted no earlier than
// From and answered no later than To (each widened by tol). at renders a
// ledger time for messages (e.g. as ms since the run's time zero), on the
// clock named by clock (e.g. "trial time").
func AuditLedger(entries []Entry, claims []Claim, tol int64, at func(ns int64) string, clock string) Audit {
	bySeed := make(map[uint64][]int32, len(entries))
	for i, e := range entries {
		bySeed[e.Seed] = append(bySeed[e.Seed], int32(i))
	}
	ours := make(map[uint64]bool, len(claims))
	var a Audit
	for k, c := range claims {
		ours[c.Seed] = true
		if c.Unclaimed {
			continue
		}
		a.Claimed++
		if why := auditClaim(entries, c, bySeed[c.Seed], tol, at, clock); why != "" {
			a.Bad++
			if a.First == "" {
				a.First, a.FirstClaim = why, k
			}
			continue
		}
		a.Confirmed++
	}
	for _, e := range entries {
		if !ours[e.Seed] {
			if a.Outside == 0 {
				a.OutsideSeed = e.Seed
			}
			a.Outside++
		}
	}
	return a
}

// auditClaim checks claim c against the entries with its seed (idx) and
// returns what is wrong, or "".
func auditClaim(entries []Entry, c Claim, idx []int32, tol int64, at func(int64) string, clock string) string {
	switch len(idx) {
	case 0:
		return "the latency server's ledger has no request with its seed: the step never reached the server"
	case 1:
	default:
		return fmt.Sprintf("the latency server's ledger has %d requests with its seed, want exactly 1", len(idx))
	}
	e := entries[idx[0]]
	if e.Delay != c.Delay || e.Size != c.Size {
		return fmt.Sprintf("the server was asked for delay %v and %d bytes, the step is delay %v and %d bytes", e.Delay, e.Size, c.Delay, c.Size)
	}
	if e.Answer == 0 {
		return "the server never answered it: the client went away before the answer"
	}
	if c.From == 0 && c.To == 0 || e.Accept == 0 {
		return ""
	}
	if e.Accept < c.From-tol {
		return fmt.Sprintf("the server accepted it at %s, before its task started at %s (%s)", at(e.Accept), at(c.From), clock)
	}
	if e.Answer > c.To+tol {
		return fmt.Sprintf("the server answered it at %s, after its task claims to have ended at %s (%s): the step did not wait for the answer", at(e.Answer), at(c.To), clock)
	}
	return ""
}
