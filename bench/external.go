package bench

import (
	"sync"
	"time"
)

// extPoint is one reading of a trial child's process tree from outside.
type extPoint struct {
	wall    int64 // Unix ns
	cpu     float64
	rss     int64
	threads int
}

// external samples a trial child process and its descendants (multiproc
// workers; the latency server excluded) from the parent, every period, so
// nothing runs inside the measured process to wake its runtime. Readings
// come from each process's CPU clock (ns, see pidCPU) and /proc statm RSS.
type external struct {
	pid    int
	period time.Duration
	stop   chan struct{}
	wg     sync.WaitGroup
	points []extPoint
	// last keeps each process's latest CPU reading, so a process that is
	// reaped between samples still counts and the sum never goes back.
	last map[int]float64
	skip map[int]bool
}

func startExternal(pid int, period time.Duration) *external {
	e := &external{pid: pid, period: period, stop: make(chan struct{}), last: map[int]float64{}, skip: map[int]bool{}}
	e.wg.Add(1)
	go e.loop()
	return e
}

func (e *external) loop() {
	defer e.wg.Done()
	tick := time.NewTicker(e.period)
	defer tick.Stop()
	for {
		e.read()
		select {
		case <-e.stop:
			return
		case <-tick.C:
		}
	}
}

func (e *external) read() {
	p := extPoint{wall: time.Now().UnixNano(), threads: taskCount(e.pid)}
	for _, pid := range processTree(e.pid, e.skip) {
		if v := cpuOf(pid); v > 0 {
			e.last[pid] = v
		}
		p.rss += rssOf(pid)
	}
	for _, v := range e.last {
		p.cpu += v
	}
	if p.rss > 0 {
		e.points = append(e.points, p)
	}
}

// finish stops sampling (call it once the child has exited).
func (e *external) finish() []extPoint {
	close(e.stop)
	e.wg.Wait()
	return e.points
}

// apply turns readings into res's timeline and peaks: points are aligned
// with the child's time zero (StartUnixNano) and kept within its measured
// window (the first one after time zero is the baseline), and CPU between
// consecutive points becomes cores busy.
func (e *external) apply(res *Result, points []extPoint) {
	t0 := res.StartUnixNano
	end := t0 + int64(res.Window*1e9)
	var prev *extPoint
	var timeline []Sample
	for i := range points {
		p := &points[i]
		if p.wall < t0 {
			continue // set-up before time zero is not the model's
		}
		if p.wall > end+int64(e.period) {
			break
		}
		res.PeakRSS = max(res.PeakRSS, p.rss)
		res.Threads = max(res.Threads, p.threads)
		if prev != nil && p.wall-prev.wall >= int64(e.period)/2 {
			dt := float64(p.wall-prev.wall) / 1e9
			timeline = append(timeline, Sample{T: float64(min(p.wall, end)-t0) / 1e6,
				Cores: max(0, (p.cpu-prev.cpu)/dt), RSS: p.rss})
			prev = p
		} else if prev == nil {
			prev = p
		}
	}
	res.Timeline = timeline
	applyPlateau(res)
}
