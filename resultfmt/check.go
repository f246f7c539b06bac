package resultfmt

import "strings"

// Check is one invariant the harness checks after every trial (README,
// "How a trial is measured"): Little's law under a closed load, CPU within the cores the model
// may use, every task verified, server requests equal to the Net steps run,
// an open load's achieved arrival rate, latency no shorter than the task's
// own steps, a batch makespan no shorter than its bound. A failed check is
// a bug in the tool (or a broken machine), never a finding: the report
// names every one at its top.
type Check struct {
	// Name is the invariant's short name, e.g. "littles-law".
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Value is what was measured and Bound what it is compared with, in
	// the invariant's unit (Detail says which).
	Value float64 `json:"value"`
	Bound float64 `json:"bound"`
	// Detail is one sentence: what was compared, in words and numbers.
	Detail string `json:"detail"`
	// Evidence names the source the model's claims were compared with.
	Evidence string `json:"evidence"`
}

// Violations returns the invariants r failed.
func (r Result) Violations() []Check {
	var out []Check
	for _, c := range r.Invariants {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// ViolationNames joins the names of r's failed invariants with "+" ("" if
// none), for the CSV and short listings.
func (r Result) ViolationNames() string {
	var names []string
	for _, c := range r.Violations() {
		names = append(names, c.Name)
	}
	return strings.Join(names, "+")
}

// SetCheck records c in r, replacing an earlier check of the same name (a
// parent process re-checks what it measured itself).
func (r *Result) SetCheck(c Check) {
	for i := range r.Invariants {
		if r.Invariants[i].Name == c.Name {
			r.Invariants[i] = c
			return
		}
	}
	r.Invariants = append(r.Invariants, c)
}
