package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// ServerExperiment is one axis of a suite's server section: every model
// that can serve (or those named) serves each workload's requests under
// each load, in a server process of its own per trial, driven by the load
// generator process (package serverrole). Its trials land in
// results.json's server_trials.
type ServerExperiment struct {
	// Tag is resultfmt.TagServerRate, TagServerC10k or TagServerBlocking.
	Tag       string   `json:"tag"`
	Workloads []string `json:"workloads"`
	// Models defaults to every registered model that can serve (Go and,
	// when their servers exist and their runtime is here, Python and
	// Node.js); a named model that cannot is skipped with a note.
	Models []string `json:"models,omitempty"`
	// Loads are open:RATE or idle:N. A model's open loads run lowest rate
	// first in each repeat, and its rates above the first one it did not
	// keep up with (achieved < KeepUp of offered) are not run in that
	// repeat: past its knee a model only queues, and a saturated trial
	// lasts tasks x service time.
	Loads []string `json:"loads"`
	// Seconds makes an open load's task count RATE x Seconds; idle loads
	// (and open loads when Seconds is 0) take Tasks.
	Seconds float64 `json:"seconds,omitempty"`
	Tasks   int     `json:"tasks,omitempty"`
	Params  Params  `json:"params,omitempty"`
	// Repeats overrides the suite's repeats for this experiment (0: the
	// suite's).
	Repeats int `json:"repeats,omitempty"`
	// P99Bound is the p99 latency (ms) a rate's trials must stay under
	// for the rate to count below the model's knee (server-rate).
	P99Bound float64 `json:"p99_bound_ms,omitempty"`
}

// maxServerTasks bounds a server trial's requests (serverrole's bound).
const maxServerTasks = 1_000_000

// KeepUp is the share of the offered rate a server must achieve for a
// rate to count as kept up with (the knee's second condition).
const KeepUp = resultfmt.ServerKeepUp

// ServerRole is the server role as a sweep drives it. Package serverrole
// registers it (RegisterServerRole, from its init); bench cannot import
// serverrole, which imports bench for its load shapes.
type ServerRole interface {
	// Supports reports whether model can serve here, or why not.
	Supports(model string) error
	// Check validates one trial's spec before the sweep starts; its
	// message says what is wrong and what is allowed.
	Check(spec resultfmt.ServerSpec) error
	// Run runs one trial in fresh server and generator processes.
	Run(ctx context.Context, spec resultfmt.ServerSpec, timeout time.Duration) (resultfmt.ServerTrial, error)
}

var (
	roleMu     sync.Mutex
	serverRole ServerRole
)

// RegisterServerRole installs the server role sweeps use.
func RegisterServerRole(r ServerRole) {
	roleMu.Lock()
	defer roleMu.Unlock()
	serverRole = r
}

func registeredRole() ServerRole {
	roleMu.Lock()
	defer roleMu.Unlock()
	return serverRole
}

// ServerCell is one configuration of a server experiment.
type ServerCell struct {
	Spec    resultfmt.ServerSpec
	Repeats int
}

// checkServers validates the suite's server experiments (names, loads,
// sizes); the cells themselves are checked by the server role when the
// sweep starts.
func (s *Suite) checkServers() error {
	for i := range s.Servers {
		e := &s.Servers[i]
		if err := e.check(); err != nil {
			return fmt.Errorf("suite %s, server experiment %d (%s): %w", s.Name, i+1, e.Tag, err)
		}
	}
	return nil
}

func (e *ServerExperiment) check() error {
	switch e.Tag {
	case resultfmt.TagServerRate, resultfmt.TagServerC10k, resultfmt.TagServerBlocking:
	default:
		return fmt.Errorf("tag %q unknown (allowed %s, %s, %s)", e.Tag, resultfmt.TagServerRate, resultfmt.TagServerC10k, resultfmt.TagServerBlocking)
	}
	if err := checkNames(e.Workloads, e.Models); err != nil {
		return err
	}
	if len(e.Loads) == 0 {
		return errors.New("no loads (allowed open:RATE or idle:N)")
	}
	for _, l := range e.Loads {
		if n, ok := idleConns(l); ok {
			if n < 1 || n > 100_000 {
				return fmt.Errorf("load %q: idle:N takes 1..100000 connections", l)
			}
			continue
		}
		if _, err := resultfmt.ParseLoad(l); err != nil || !strings.HasPrefix(l, "open:") {
			return fmt.Errorf("load %q: a server experiment takes open:RATE or idle:N", l)
		}
		if e.Seconds == 0 && e.Tasks == 0 {
			return fmt.Errorf("load %q: no tasks nor seconds", l)
		}
		if n := e.tasksFor(l); n > maxServerTasks {
			return fmt.Errorf("load %q: %d requests out of range (allowed 1..%d)", l, n, maxServerTasks)
		}
	}
	if e.Seconds < 0 || e.Seconds > 600 {
		return fmt.Errorf("seconds %g out of range (allowed 0..600)", e.Seconds)
	}
	if e.Tasks < 0 || e.Tasks > workload.MaxTasks {
		return fmt.Errorf("tasks %d out of range (allowed 0..%d)", e.Tasks, workload.MaxTasks)
	}
	if e.Repeats < 0 || e.Repeats > 100 {
		return fmt.Errorf("repeats %d out of range (allowed 0..100, 0 = the suite's)", e.Repeats)
	}
	if e.P99Bound < 0 || e.P99Bound > 1e6 || (e.Tag == resultfmt.TagServerRate && e.P99Bound == 0) {
		return fmt.Errorf("p99_bound_ms %g out of range (allowed 0 < x <= 1e6; %s needs one)", e.P99Bound, resultfmt.TagServerRate)
	}
	if _, err := e.Params.Workload(); err != nil {
		return err
	}
	return nil
}

// idleConns parses idle:N.
func idleConns(l string) (int, bool) {
	v, ok := strings.CutPrefix(l, "idle:")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1, true
	}
	return n, true
}

// tasksFor is load l's task count.
func (e ServerExperiment) tasksFor(l string) int {
	if strings.HasPrefix(l, "open:") && e.Seconds > 0 {
		ld, _ := resultfmt.ParseLoad(l)
		return max(1, int(math.Round(ld.Rate*e.Seconds)))
	}
	return max(1, e.Tasks)
}

// ServerCells expands the suite's server experiments into cells, in
// suite order; models default to every registered model role can serve.
func (s *Suite) ServerCells(role ServerRole) []ServerCell {
	var cells []ServerCell
	for _, e := range s.Servers {
		wp, _ := e.Params.Workload() // checked
		ms := e.Models
		if len(ms) == 0 {
			for _, m := range models.Names() {
				if role != nil && role.Supports(m) == nil {
					ms = append(ms, m)
				}
			}
		}
		reps := e.Repeats
		if reps == 0 {
			reps = s.Repeats
		}
		for _, w := range e.Workloads {
			for _, m := range ms {
				for _, l := range e.Loads {
					cells = append(cells, ServerCell{Repeats: reps, Spec: resultfmt.ServerSpec{
						Tag: e.Tag, Model: m, Workload: w, Load: l, Tasks: e.tasksFor(l), Params: wp, P99Bound: e.P99Bound}})
				}
			}
		}
	}
	return cells
}

// openRate is an open load's rate (0 for others), for ordering.
func openRate(l string) float64 {
	if !strings.HasPrefix(l, "open:") {
		return 0
	}
	ld, _ := resultfmt.ParseLoad(l)
	return ld.Rate
}

// sortServerCells orders cells for running: each (tag, model, workload)
// group together, open rates ascending.
func sortServerCells(cells []ServerCell) {
	slices.SortStableFunc(cells, func(a, b ServerCell) int {
		ka := a.Spec.Tag + "\x00" + a.Spec.Model + "\x00" + a.Spec.Workload
		kb := b.Spec.Tag + "\x00" + b.Spec.Model + "\x00" + b.Spec.Workload
		if c := strings.Compare(ka, kb); c != 0 {
			return c
		}
		if ia, ib := a.Spec.IdleConns(), b.Spec.IdleConns(); ia != ib {
			return ia - ib
		}
		ra, rb := openRate(a.Spec.Load), openRate(b.Spec.Load)
		switch {
		case ra < rb:
			return -1
		case ra > rb:
			return 1
		}
		return 0
	})
}
