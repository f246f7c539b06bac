// Package sequential is the blocking sequential model: one goroutine runs
// one task at a time with blocking calls, GOMAXPROCS=1 by default. It is
// the baseline every other model is compared with.
package sequential

import (
	"context"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

func init() {
	models.Register(models.Info{
		Name:   "sequential",
		Family: resultfmt.FamilyGo, Baseline: "sequential", Kind: resultfmt.KindSequential, Parallel: false,
		Rank:           10,
		Doc:            "one goroutine, one task at a time, blocking calls (the baseline)",
		Procs:          models.One,
		Concurrency:    func() int { return 1 },
		ConcurrencyDoc: "always 1",
		New:            func(models.Config) (models.Model, error) { return model{}, nil },
		FileThreads:    func(models.Config) int { return 1 },
	})
}

type model struct{}

// Run executes the tasks one after another in arrival order. Under open and
// closed loads arrivals queue up (unbounded) while a task runs.
func (model) Run(ctx context.Context, tr *models.Trial) error {
	ex, err := workload.NewExec(tr.Env, 1)
	if err != nil {
		return err
	}
	defer ex.Close()
	if tr.Load.Shape == models.Batch {
		for i := range tr.Tasks {
			if !tr.RunBlocking(ex, i) {
				return tr.Err()
			}
			if i&255 == 0 && ctx.Err() != nil {
				return context.Cause(ctx)
			}
		}
		return nil
	}
	queue, wait := tr.FeedQueue(len(tr.Tasks))
	for i := range queue {
		if !tr.RunBlocking(ex, i) {
			break
		}
	}
	if err := wait(); err != nil {
		return err
	}
	return tr.Err()
}
