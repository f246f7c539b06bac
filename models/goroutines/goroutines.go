// Package goroutines is the goroutine-per-task model: every task gets its
// own goroutine (like asyncio.gather, but parallel across GOMAXPROCS
// threads), with an optional limit on how many run at once.
package goroutines

import (
	"context"
	"sync"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

func init() {
	models.Register(models.Info{
		Name:   "goroutines",
		Family: resultfmt.FamilyGo, Baseline: "sequential", Kind: resultfmt.KindPerTask, Parallel: true,
		Rank:           30,
		Doc:            "one goroutine per task, parallel on GOMAXPROCS threads, optional limit",
		Concurrency:    func() int { return 0 },
		ConcurrencyDoc: "0 = unlimited, else at most C goroutines at once",
		New: func(c models.Config) (models.Model, error) {
			return model{limit: c.Concurrency}, nil
		},
	})
}

type model struct{ limit int }

// Run starts a goroutine per released task; with a limit, the feeder waits
// for a free slot first (the wait counts in latency).
func (m model) Run(ctx context.Context, tr *models.Trial) error {
	ex, err := workload.NewExec(tr.Env, models.Conns(m.limit, len(tr.Tasks)))
	if err != nil {
		return err
	}
	defer ex.Close()
	return models.RunPerTask(ctx, tr, ex, m.limit, runTask)
}

// runTask is the body of one task's goroutine.
func runTask(tr *models.Trial, ex *workload.Exec, i int, sem chan struct{}, wg *sync.WaitGroup) {
	tr.RunBlocking(ex, i)
	if sem != nil {
		<-sem
	}
	wg.Done()
}
