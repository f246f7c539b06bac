package report

import (
	"fmt"
	"slices"
	"strings"

	"concbench/resultfmt"
)

// Violation is one invariant one trial violated: a bug in the tool or a
// broken machine, never a finding (README, "How a trial is measured").
type Violation struct {
	// Row names the trial's configuration as the tables do.
	Row    string
	Repeat int
	Check  resultfmt.Check
}

// InvariantStatus is what the report says about the invariants at its
// top: how many checks ran over how many trials, which invariants they
// were, and every violation.
type InvariantStatus struct {
	Checks, Trials int
	Names          []string
	Violations     []Violation
}

// rowName names a trial's configuration: tag, workload, model, load,
// tasks and concurrency.
func rowName(s resultfmt.Spec, conc int) string {
	w := s.Workload
	if s.Direct {
		w += ColdSuffix
	}
	name := fmt.Sprintf("%s / %s / %s / %s / %d tasks", s.Tag, w, s.Model, s.Load, s.Tasks)
	if conc > 0 {
		name += fmt.Sprintf(" / concurrency %d", conc)
	}
	return name
}

// invariantStatus collects the invariant checks of every trial of f,
// warm-ups included (a tool bug there is a tool bug too).
func invariantStatus(f *resultfmt.File) InvariantStatus {
	var st InvariantStatus
	for _, r := range f.Trials {
		if len(r.Invariants) > 0 {
			st.Trials++
		}
		for _, c := range r.Invariants {
			st.Checks++
			if !slices.Contains(st.Names, c.Name) {
				st.Names = append(st.Names, c.Name)
			}
			if !c.OK {
				st.Violations = append(st.Violations, Violation{Row: rowName(r.Spec, r.Config.Concurrency), Repeat: r.Repeat, Check: c})
			}
		}
	}
	return st
}

// Lines renders the status for REPORT.md and the terminal: one summary
// line, then one line per violation.
func (st InvariantStatus) Lines() []string {
	if st.Checks == 0 {
		return []string{"No invariants were checked: these results predate the checks (results schema 1) or hold no trials."}
	}
	if len(st.Violations) == 0 {
		return []string{fmt.Sprintf("All %d invariant checks over %d trials held (%s).", st.Checks, st.Trials, strings.Join(st.Names, ", "))}
	}
	out := []string{fmt.Sprintf("%d of %d invariant checks over %d trials FAILED: each is a bug in the tool or a broken machine, not a finding; the rows named below are not to be trusted.",
		len(st.Violations), st.Checks, st.Trials)}
	for _, v := range st.Violations {
		rep := fmt.Sprintf("repeat %d", v.Repeat)
		if v.Repeat < 0 {
			rep = "warm-up"
		}
		out = append(out, fmt.Sprintf("%s violated in %s (%s): %s", v.Check.Name, v.Row, rep, v.Check.Detail))
	}
	return out
}
