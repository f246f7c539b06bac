//go:build linux

package eventloop

import "sync"

// job is blocking work offloaded from the loop: fn(arg) runs on a pool
// thread and its result is posted back as completion{op, arg}.
type job struct {
	fn  func(arg int32) (uint64, error)
	arg int32
	op  op
}

// threadPool runs jobs on up to size goroutines, started on demand (a trial
// without File steps starts none). Blocking syscalls in a job park its OS
// thread, not the loop's, which is the point: the thread pool of libuv and
// aiofiles. Completions go through post, which wakes the loop's eventfd.
type threadPool struct {
	size int
	post func(completion)

	mu      sync.Mutex
	cond    sync.Cond
	queue   []job
	head    int
	idle    int
	workers int
	closed  bool
	wg      sync.WaitGroup
}

func newThreadPool(size int, post func(completion)) *threadPool {
	p := &threadPool{size: max(size, 1), post: post}
	p.cond.L = &p.mu
	return p
}

// submit queues j, starting another worker if every started one is busy.
func (p *threadPool) submit(j job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.queue = append(p.queue, j)
	if len(p.queue)-p.head > p.idle && p.workers < p.size {
		p.workers++
		p.wg.Add(1)
		go p.work()
	}
	if p.idle > 0 {
		p.cond.Signal()
	}
}

func (p *threadPool) work() {
	defer p.wg.Done()
	p.mu.Lock()
	for {
		for p.head == len(p.queue) && !p.closed {
			p.idle++
			p.cond.Wait()
			p.idle--
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		j := p.queue[p.head]
		p.queue[p.head] = job{}
		p.head++
		if p.head == len(p.queue) {
			p.queue, p.head = p.queue[:0], 0
		}
		p.mu.Unlock()
		val, err := j.fn(j.arg)
		p.post(completion{val: val, err: err, arg: j.arg, op: j.op})
		p.mu.Lock()
	}
}

// close drops queued jobs, waits for running ones and for every worker to
// exit.
func (p *threadPool) close() {
	p.mu.Lock()
	p.closed = true
	p.queue, p.head = nil, 0
	p.cond.Broadcast()
	p.mu.Unlock()
	p.wg.Wait()
}
