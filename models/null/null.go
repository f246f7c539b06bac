// Package null is the harness alone: a hidden calibration model that runs
// no task machinery at all, only what the harness asks of every model per
// task (Trial.Feed releasing it, Begin and Finish stamping it: two clock
// reads, the start, end and result records and the in-flight gauge). Its
// time per no-op task is the share of every Go model's overhead that is
// concbench's bookkeeping rather than the model's (report/analysis_tax.go).
package null

import (
	"context"
	"fmt"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// Name is the model's name.
const Name = resultfmt.NullModel

func init() {
	models.Register(models.Info{
		Name:           Name,
		Rank:           5,
		Doc:            "calibration: the harness's per-task bookkeeping alone (noop tasks only)",
		Procs:          models.One,
		Concurrency:    func() int { return 1 },
		ConcurrencyDoc: "always 1",
		New:            func(models.Config) (models.Model, error) { return &model{}, nil },
		Hidden:         true,
	})
}

type model struct{ prepared bool }

// Prepare refuses, before the clock, tasks that are not a single no-op
// step: the null model runs nothing.
func (m *model) Prepare(_ context.Context, tr *models.Trial) error {
	for _, t := range tr.Tasks {
		if len(t.Steps) != 1 || t.Steps[0].Kind != workload.Noop {
			return fmt.Errorf("%s runs only noop tasks (the harness's bookkeeping alone), not %v", Name, t.Steps)
		}
	}
	m.prepared = true
	return nil
}

// Run releases every task through Feed and stamps it begun and finished
// with a no-op step's result (a no-op step outputs 0).
func (m *model) Run(ctx context.Context, tr *models.Trial) error {
	if !m.prepared {
		if err := m.Prepare(ctx, tr); err != nil {
			return err
		}
	}
	res := workload.Mix(0, 0)
	return tr.Feed(func(i int) {
		tr.Begin(i)
		tr.Finish(i, res)
	})
}
