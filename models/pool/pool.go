// Package pool is the worker-pool model: W long-lived worker goroutines pull
// tasks from a bounded queue, like Python's ThreadPoolExecutor.
package pool

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// DefaultQueue is the bounded queue's capacity when Config.Queue is 0.
const DefaultQueue = 1024

// DefaultWorkers is W when Config.Concurrency is 0: 32, the cap of Python's
// ThreadPoolExecutor default (min(32, cpus+4)).
//
// Note: a CPU-sized default (W = cores) would make the pool look like the
// sequential model on I/O; 32 threads is what an I/O pool is usually given,
// and CPU parallelism is bounded by GOMAXPROCS either way. Sweeps set W
// explicitly where it is the variable.
const DefaultWorkers = 32

func init() {
	models.Register(models.Info{
		Name:   "pool",
		Family: resultfmt.FamilyGo, Baseline: "sequential", Kind: resultfmt.KindPool, Parallel: true,
		Rank:           40,
		Doc:            "W long-lived workers pulling from a bounded queue (ThreadPoolExecutor)",
		Concurrency:    func() int { return DefaultWorkers },
		ConcurrencyDoc: "W workers (default 32, like ThreadPoolExecutor's cap)",
		FileThreads:    func(c models.Config) int { return c.Concurrency },
		New: func(c models.Config) (models.Model, error) {
			if c.Concurrency < 1 {
				return nil, fmt.Errorf("pool needs at least 1 worker, got %d", c.Concurrency)
			}
			q := c.Queue
			if q <= 0 {
				q = DefaultQueue
			}
			return model{workers: c.Concurrency, queue: q}, nil
		},
	})
}

type model struct{ workers, queue int }

// Run starts W workers. Under a batch load every task is queued at t=0, so
// the queue is simply the task array and workers claim the next index with
// one atomic add (Note: a channel here would measure channel contention,
// not the pool). Under open and closed loads a bounded channel is the queue.
func (m model) Run(ctx context.Context, tr *models.Trial) error {
	ex, err := workload.NewExec(tr.Env, models.Conns(m.workers, len(tr.Tasks)))
	if err != nil {
		return err
	}
	defer ex.Close()
	var wg sync.WaitGroup
	wg.Add(m.workers)
	var wait func() error
	if tr.Load.Shape == models.Batch {
		var next atomic.Int64
		n := int64(len(tr.Tasks))
		done := tr.Context().Done()
		for w := 0; w < m.workers; w++ {
			go func() {
				defer wg.Done()
				for {
					i := next.Add(1) - 1
					if i >= n || !tr.RunBlocking(ex, int(i)) {
						return
					}
					if i&255 == 0 {
						select {
						case <-done:
							return
						default:
						}
					}
				}
			}()
		}
	} else {
		var queue <-chan int
		queue, wait = tr.FeedQueue(m.queue)
		for w := 0; w < m.workers; w++ {
			go func() {
				defer wg.Done()
				for i := range queue {
					if !tr.RunBlocking(ex, i) {
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	if err := tr.Err(); err != nil {
		return err
	}
	if wait != nil {
		if err := wait(); err != nil {
			return err
		}
	}
	return context.Cause(ctx)
}
