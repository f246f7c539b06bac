// Package eventloop is the event-loop model: ONE OS thread runs a reactor
// (epoll, a timer heap driven by a timerfd, a ready queue of callbacks and
// an eventfd for wake-ups from other threads) and every task as a small
// state machine on it. It is the design of asyncio and libuv written in Go,
// not goroutines behind a channel: there is no goroutine and no channel per
// task, CPU and Block steps run on the loop thread and stall every task,
// Sleep steps are timers, Net steps are non-blocking sockets on the loop's
// epoll (a keep-alive pool owned by the loop, the shared httpwire encoder
// and parser), and File reads are offloaded to a small thread pool whose
// completions come back through the eventfd (regular files are not
// pollable).
//
// Arrivals are scheduled on the loop itself (batch: all at t=0; closed: each
// completion admits the next task; open: one pending arrival timer), so no
// other thread feeds the loop during a trial. An optional in-flight limit
// (Config.Concurrency) works like asyncio.Semaphore: tasks beyond it wait in
// arrival order on the loop.
//
// The reactor needs Linux epoll; elsewhere the model registers but New
// returns an error.
package eventloop

import (
	"fmt"

	"concbench/models"
	"concbench/resultfmt"
)

// DefaultThreads is the size of the file-offload thread pool when
// Config.Threads is 0 (libuv's default is 4 too).
const DefaultThreads = 4

func init() {
	models.Register(models.Info{
		Name:   "eventloop",
		Family: resultfmt.FamilyGo, Baseline: "sequential", Kind: resultfmt.KindEventLoop, Parallel: false,
		Rank:           20,
		Doc:            "one OS thread running an epoll reactor; tasks are state machines, CPU steps block the loop (asyncio)",
		Procs:          models.One,
		Concurrency:    func() int { return 0 },
		ConcurrencyDoc: "0 = unlimited, else at most C tasks in flight (the rest wait in arrival order on the loop)",
		New:            New,
		FileThreads: func(cfg models.Config) int {
			if cfg.Threads > 0 {
				return cfg.Threads
			}
			return DefaultThreads
		},
	})
}

// New returns an event-loop model for one trial from a resolved config. It
// fails on a negative limit or thread count, and on systems without epoll.
func New(cfg models.Config) (models.Model, error) {
	if cfg.Concurrency < 0 {
		return nil, fmt.Errorf("eventloop: concurrency %d must be >= 0 (0 = unlimited)", cfg.Concurrency)
	}
	if cfg.Threads < 0 {
		return nil, fmt.Errorf("eventloop: threads %d must be >= 0 (0 = default %d)", cfg.Threads, DefaultThreads)
	}
	threads := cfg.Threads
	if threads == 0 {
		threads = DefaultThreads
	}
	return newModel(cfg.Concurrency, threads)
}
