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
// top: how many checks ran over how many trials, how many of them compared
// a model's claims with evidence the model does not write (Independent,
// by source in Evidence), which invariants they were, and every
// violation.
type InvariantStatus struct {
	Checks, Trials int
	Independent    int
	Evidence       []string
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
			if c.Independent() {
				st.Independent++
				if !slices.Contains(st.Evidence, c.Evidence) {
					st.Evidence = append(st.Evidence, c.Evidence)
				}
			}
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
		return []string{fmt.Sprintf("All %d invariant checks over %d trials held (%s); %s.", st.Checks, st.Trials, strings.Join(st.Names, ", "), st.independence())}
	}
	out := []string{fmt.Sprintf("%d of %d invariant checks over %d trials FAILED: each is a bug in the tool or a broken machine, not a finding; the rows named below are not to be trusted (%s).",
		len(st.Violations), st.Checks, st.Trials, st.independence())}
	for _, v := range st.Violations {
		rep := fmt.Sprintf("repeat %d", v.Repeat)
		if v.Repeat < 0 {
			rep = "warm-up"
		}
		ev := ""
		if v.Check.Evidence != "" {
			ev = ", evidence " + v.Check.Evidence
		}
		out = append(out, fmt.Sprintf("%s violated in %s (%s%s): %s", v.Check.Name, v.Row, rep, ev, v.Check.Detail))
	}
	return out
}

// independence says how many checks compared the models' claims with
// evidence they do not write, and which.
func (st InvariantStatus) independence() string {
	if st.Independent == 0 {
		return "none of them names independent evidence (results from before the evidence was recorded)"
	}
	return fmt.Sprintf("%d of the %d compared the models' claims with evidence the models do not write (%s)", st.Independent, st.Checks, strings.Join(st.Evidence, ", "))
}
