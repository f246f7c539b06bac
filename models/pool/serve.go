package pool

import (
	"context"
	"sync"

	"concbench/models"
	"concbench/workload/taskhttp"
)

var _ models.Server = model{}

// job is one request handed to the pool: the task and where its answer
// goes.
type job struct {
	task  int
	nonce uint64
	reply chan<- result
}

type result struct {
	a   taskhttp.Answer
	err error
}

// Serve is a thread-pool server (a ThreadPoolExecutor behind an accept
// loop, as Jetty or Tomcat's executor): each connection's requests are
// read by a light reader goroutine and run by one of W workers pulling
// from a bounded queue, so at most W handlers run at once, whatever the
// number of connections.
func (m model) Serve(ctx context.Context, h *models.Handling) error {
	ex, err := h.NewExec(m.workers)
	if err != nil {
		return err
	}
	defer ex.Close()
	queue := make(chan job, m.queue)
	var wg sync.WaitGroup
	for w := 0; w < m.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				a, err := h.RunTask(ctx, ex, j.task, j.nonce)
				j.reply <- result{a, err}
			}
		}()
	}
	defer wg.Wait()
	defer close(queue)
	done := ctx.Done()
	return models.ServeEach(ctx, h, 0, func(f func()) { go f() }, func(i int, nonce uint64) (taskhttp.Answer, error) {
		reply := make(chan result, 1)
		select {
		case queue <- job{i, nonce, reply}:
		case <-done:
			return taskhttp.Answer{}, context.Cause(ctx)
		}
		r := <-reply
		return r.a, r.err
	})
}
