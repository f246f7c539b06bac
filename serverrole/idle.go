package serverrole

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"concbench/workload"
	"concbench/workload/taskhttp"
)

// heldLine is what the generator prints when all of an idle load's
// connections are open and idle.
const heldLine = "held"

// dialers is how many connections an idle load sets up at once.
const dialers = 64

// holdIdle is the C10k experiment's generator: it opens n keep-alive
// connections, dialers at a time, each sending one request (task i mod
// the task count) and verifying its answer, so the server has really
// accepted and served it; then it calls held (which returns when the
// parent has measured the server) and closes them. Window is the set-up
// time of all n.
func holdIdle(ctx context.Context, s Spec, addr string, n int, held func()) genReport {
	var rep genReport
	tasks, err := workload.Build(s.Workload, s.Tasks, s.Params)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	// The nonce is drawn now, before any connection, and sent with each.
	nonce := rand.Uint64()
	p := s.Params
	p.Nonce = nonce
	want := make([]uint64, len(tasks))
	for i, t := range tasks {
		want[i] = workload.Expected(t, p)
	}
	conns := make([]net.Conn, n)
	var (
		next, answered, verified atomic.Int64
		wg                       sync.WaitGroup
		failMu                   sync.Mutex
		fail                     error
	)
	tids, pids := sync.Map{}, sync.Map{}
	cpu0 := cpuSelf()
	start := time.Now()
	for range min(dialers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d net.Dialer
			buf := make([]byte, 0, 64)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				err := func() error {
					c, err := d.DialContext(ctx, "tcp", addr)
					if err != nil {
						return err
					}
					conns[i] = c
					if _, err := c.Write(taskhttp.AppendRequest(buf[:0], i%len(tasks), nonce)); err != nil {
						return err
					}
					a, closed, err := taskhttp.ReadResponse(bufio.NewReaderSize(c, 256))
					if err != nil {
						return err
					}
					if closed {
						return fmt.Errorf("server closed keep-alive connection %d", i)
					}
					answered.Add(1)
					if a.Digest == want[i%len(tasks)] {
						verified.Add(1)
					}
					tids.Store(a.Pid<<32|a.Tid, true)
					pids.Store(a.Pid, true)
					return nil
				}()
				if err != nil {
					failMu.Lock()
					if fail == nil {
						fail = fmt.Errorf("connection %d: %w", i, err)
					}
					failMu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	rep.Window = time.Since(start).Seconds()
	rep.CPU = cpuSelf() - cpu0
	if fail == nil && ctx.Err() == nil {
		held()
	}
	for _, c := range conns {
		if c != nil {
			c.Close()
			rep.Conns++
		}
	}
	rep.Sent, rep.Answered, rep.Verified = int(next.Load()), int(answered.Load()), int(verified.Load())
	rep.Sent = min(rep.Sent, n)
	rep.PIDs = map[int]int{}
	pids.Range(func(k, _ any) bool { rep.PIDs[k.(int)]++; return true })
	tids.Range(func(_, _ any) bool { rep.Threads++; return true })
	if fail != nil {
		rep.Error = fail.Error()
	} else if err := ctx.Err(); err != nil {
		rep.Error = err.Error()
	}
	return rep
}
