package models

// FeedQueue runs Feed on a new goroutine and delivers released task indices
// on the returned channel, which holds up to capacity indices (a bounded
// queue: when it is full the feeder waits, and the wait shows up as
// latency because arrivals are intended times). The channel is closed when
// feeding ends; wait returns Feed's error once it has.
func (tr *Trial) FeedQueue(capacity int) (queue <-chan int, wait func() error) {
	q := make(chan int, capacity)
	errc := make(chan error, 1)
	done := tr.ctx.Done()
	go func() {
		defer close(q)
		errc <- tr.Feed(func(i int) {
			select {
			case q <- i:
			case <-done:
			}
		})
	}()
	return q, func() error { return <-errc }
}

// Conns is the keep-alive pool size for a model of the given concurrency
// (0 = unlimited): one connection per concurrent task, capped.
func Conns(concurrency, tasks int) int {
	const limit = 1024
	if concurrency <= 0 || concurrency > tasks {
		concurrency = tasks
	}
	return max(1, min(concurrency, limit))
}
