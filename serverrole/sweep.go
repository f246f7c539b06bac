package serverrole

import (
	"context"
	"fmt"
	"time"

	"concbench/bench"
	"concbench/models"
	"concbench/resultfmt"
)

// sweepRole is the server role as bench.Sweep drives it.
type sweepRole struct{}

var _ bench.ServerRole = sweepRole{}

func init() { bench.RegisterServerRole(sweepRole{}) }

func (sweepRole) Supports(model string) error { return Supports(model) }

// Check refuses what this machine cannot run: an idle:N over the fd limit
// this process may not raise, or over the connections the model serves at
// once (threads: its thread budget).
func (sweepRole) Check(rs resultfmt.ServerSpec) error {
	s := fromSweep(rs, time.Minute)
	if err := s.Validate(); err != nil {
		return err
	}
	if n, idle, _ := parseIdle(s.Load); idle {
		info, err := models.Lookup(s.Model)
		if err != nil {
			return err
		}
		if c := info.Resolve(s.Config).Concurrency; c > 0 && c < n {
			return fmt.Errorf("load %s: model %s serves at most %d connections at once here (its concurrency; for threads, the machine's thread budget), so %d cannot be held", s.Load, s.Model, c, n)
		}
	}
	return nil
}

// Run runs one trial and returns it in the results schema.
func (sweepRole) Run(ctx context.Context, rs resultfmt.ServerSpec, timeout time.Duration) (resultfmt.ServerTrial, error) {
	r, err := Run(ctx, fromSweep(rs, timeout))
	if r == nil {
		return resultfmt.ServerTrial{Spec: rs}, err
	}
	t := r.Trial()
	t.Spec = rs
	return t, err
}

func fromSweep(rs resultfmt.ServerSpec, timeout time.Duration) Spec {
	return Spec{Model: rs.Model, Config: models.Config(rs.Config), Workload: rs.Workload, Params: rs.Params,
		Tasks: rs.Tasks, Load: rs.Load, Timeout: timeout}
}

// Trial is r in the results schema (resultfmt.ServerTrial).
func (r *Result) Trial() resultfmt.ServerTrial {
	t := resultfmt.ServerTrial{
		Spec: resultfmt.ServerSpec{Model: r.Spec.Model, Workload: r.Spec.Workload, Load: r.Spec.Load, Tasks: r.Spec.Tasks,
			Params: r.Spec.Params, Config: resultfmt.Config(r.Spec.Config)},
		Sent: r.Sent, Answered: r.Answered, Verified: r.Verified, Window: r.Window, Rate: r.Rate, Achieved: r.DoneRate,
		P50: r.P50, P99: r.P99, Max: r.Max, P99Others: r.P99Others, Blocked: r.Blocked,
		GenCores: r.GenCores, LagP99: r.LagP99, Conns: r.Conns,
		ServerCores: r.ServerCores, ServerRSS: r.ServerRSS, ServerThreads: r.ServerThreads, ServerPIDs: r.ServerPIDs,
		SetupRate: r.SetupRate, BaseRSS: r.BaseRSS, IdleRSS: r.IdleRSS, IdleFDs: r.IdleFDs, IdleThreads: r.IdleThreads,
		BytesPerConn: r.BytesPerConn, Invalid: r.Invalid, Error: r.Error,
	}
	if ld, err := resultfmt.ParseLoad(r.Spec.Load); err == nil && ld.Shape == resultfmt.Open {
		t.Offered = ld.Rate
	}
	return t
}
