package bench

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"concbench/models"
	"concbench/resultfmt"
)

// serverUnit is the cells of one (experiment tag, model, workload), run
// in a row in each repeat: open rates ascending, idle sizes ascending.
type serverUnit struct {
	cells   []ServerCell
	repeats int
	failed  bool
}

// runServers runs the suite's server experiments after its client trials:
// each trial in fresh server and generator processes (ServerRole.Run).
// Round r runs every unit's repeat r in an order seeded by (seed, r), so
// drift of a noisy machine spreads over the models. Past the first rate a
// model does not keep up with, its higher rates are not run in that
// repeat. Cells the role refuses here (a model that cannot serve, an
// idle:N over the fd limit) are skipped with one note each; a failed
// trial is recorded with its error and stops its unit.
func (s *sweep) runServers() error {
	if len(s.suite.Servers) == 0 || s.ctx.Err() != nil {
		return nil
	}
	role := registeredRole()
	if role == nil {
		s.note("skipped the server experiments: this binary has no server role (package serverrole is not linked)")
		return nil
	}
	units, planned := s.serverUnits(role)
	total := s.done + planned
	maxR := 0
	for _, u := range units {
		maxR = max(maxR, u.repeats)
	}
	timeout := time.Duration(s.suite.Timeout)
	// Invalid trials are counted in one note at the end, by cause (the
	// report's tables name them per configuration).
	invalid, nInvalid, ran := map[string]int{}, 0, 0
	defer func() {
		if nInvalid > 0 {
			s.note("server trials: %d of %d invalid (%s): kept in results.json, left out of the medians", nInvalid, ran, causes(invalid))
		}
	}()
	for r := 0; r < maxR; r++ {
		rng := rand.New(rand.NewPCG(s.suite.Seed, uint64(r)+0x5e4e))
		for _, k := range rng.Perm(len(units)) {
			u := units[k]
			if r >= u.repeats || u.failed {
				continue
			}
			for _, c := range u.cells {
				if s.ctx.Err() != nil {
					return nil
				}
				if s.opt.OnStart != nil {
					s.opt.OnStart(s.done, total, resultfmt.Spec{Model: c.Spec.Model, Workload: c.Spec.Workload, Load: c.Spec.Load, Tasks: c.Spec.Tasks, Tag: c.Spec.Tag})
				}
				t, err := role.Run(s.ctx, c.Spec, timeout)
				s.done++
				ran++
				if s.ctx.Err() != nil {
					return nil // an interrupted trial is not a result
				}
				t.Spec, t.Repeat = c.Spec, r
				if err != nil {
					t.Error = err.Error()
					u.failed, s.failed = true, true
					s.f.Failed++
					s.note("failed %s (repeat %d): %v", c.Spec.Name(), r, err)
				} else if t.Invalid != "" {
					invalid[causeOf(t.Invalid)]++
					nInvalid++
				}
				s.f.Servers = append(s.f.Servers, t)
				s.duty.Trials++
				s.duty.Windows += t.Window
				if s.opt.Checkpoint > 0 && time.Since(s.lastWrite) > s.opt.Checkpoint {
					if err := s.write(false); err != nil {
						return err
					}
					s.lastWrite = time.Now()
				}
				if err != nil || (t.Offered > 0 && !t.KeptUp(KeepUp)) {
					break // past the knee: the higher rates only queue
				}
			}
		}
	}
	return nil
}

// serverUnits groups the suite's server cells into units, leaving out
// (with a note each) the cells role refuses here; planned is the most
// trials they can take.
func (s *sweep) serverUnits(role ServerRole) ([]*serverUnit, int) {
	cells := s.suite.ServerCells(role)
	sortServerCells(cells)
	var units []*serverUnit
	// One note per reason, naming every cell it skips.
	var reasons []string
	skipped := map[string][]string{}
	defer func() {
		for _, r := range reasons {
			s.note("skipped %s: %s", strings.Join(skipped[r], ", "), r)
		}
	}()
	planned := 0
	key := ""
	for _, c := range cells {
		if reason := serverSkip(role, c.Spec); reason != "" {
			if _, ok := skipped[reason]; !ok {
				reasons = append(reasons, reason)
			}
			name := c.Spec.Name()
			if !slices.Contains(skipped[reason], name) {
				skipped[reason] = append(skipped[reason], name)
			}
			continue
		}
		k := c.Spec.Tag + "\x00" + c.Spec.Model + "\x00" + c.Spec.Workload
		if k != key || len(units) == 0 {
			units = append(units, &serverUnit{repeats: c.Repeats})
			key = k
		}
		u := units[len(units)-1]
		u.cells = append(u.cells, c)
		planned += c.Repeats
	}
	return units, planned
}

// serverSkip says why spec cannot run here, or "".
func serverSkip(role ServerRole, spec resultfmt.ServerSpec) string {
	info, err := models.Lookup(spec.Model)
	if err != nil {
		return fmt.Sprintf("model %s is not available in this build", spec.Model)
	}
	if err := info.Usable(); err != nil {
		return fmt.Sprintf("model %s is unavailable here: %v", spec.Model, err)
	}
	if err := role.Supports(spec.Model); err != nil {
		return err.Error()
	}
	if err := role.Check(spec); err != nil {
		return strings.TrimPrefix(err.Error(), ErrUsage.Error()+": ")
	}
	return ""
}

// causes lists counts by cause, most frequent first.
func causes(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(m[b]-m[a], strings.Compare(a, b)) })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// causeOf is the first cause of an Invalid text, without its figures.
func causeOf(invalid string) string {
	first, _, _ := strings.Cut(invalid, "; ")
	first, _, _ = strings.Cut(first, " (")
	return first
}
