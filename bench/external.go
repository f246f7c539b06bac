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

// rssPoint is one reading of the process tree's RSS.
type rssPoint struct {
	wall int64 // Unix ns
	rss  int64
}

// external samples a trial child process and its descendants (multiproc
// workers; the latency server excluded) from the parent, every period, so
// nothing runs inside the measured process to wake its runtime. Readings
// come from each process's CPU clock (ns, see pidCPU) and /proc statm RSS.
//
// Between those readings it reads the RSS alone of the processes last
// found, every fine period (a tenth of period, at least 1 ms): memory per
// in-flight task is taken at the plateau, the moment most tasks were in
// flight, which in a batch of short tasks can fall between two readings
// 20 ms apart (10,000 sleeps of 10 ms on goroutines end in about 25 ms).
// An RSS reading is one small file per process, about 10 µs.
type external struct {
	pid    int
	period time.Duration
	fine   time.Duration
	stop   chan struct{}
	wg     sync.WaitGroup
	points []extPoint
	rss    []rssPoint
	tree   []int // the processes of the last full reading
	// last keeps each process's latest CPU reading, so a process that is
	// reaped between samples still counts and the sum never goes back.
	last map[int]float64
	skip map[int]bool
}

func startExternal(pid int, period time.Duration) *external {
	e := &external{pid: pid, period: period, fine: max(time.Millisecond, period/10),
		stop: make(chan struct{}), last: map[int]float64{}, skip: map[int]bool{}}
	e.wg.Add(1)
	go e.loop()
	return e
}

func (e *external) loop() {
	defer e.wg.Done()
	tick := time.NewTicker(e.fine)
	defer tick.Stop()
	every := max(1, int(e.period/e.fine))
	for k := 0; ; k++ {
		if k%every == 0 {
			e.read()
		} else {
			e.readRSS()
		}
		select {
		case <-e.stop:
			return
		case <-tick.C:
		}
	}
}

func (e *external) read() {
	p := extPoint{wall: time.Now().UnixNano(), threads: taskCount(e.pid)}
	e.tree = processTree(e.pid, e.skip)
	for _, pid := range e.tree {
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
		e.rss = append(e.rss, rssPoint{p.wall, p.rss})
	}
}

// readRSS reads the RSS of the processes of the last full reading.
func (e *external) readRSS() {
	p := rssPoint{wall: time.Now().UnixNano()}
	for _, pid := range e.tree {
		p.rss += rssOf(pid)
	}
	if p.rss > 0 {
		e.rss = append(e.rss, p)
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
	var rss []Sample
	for _, p := range e.rss {
		if p.wall >= t0 && p.wall <= end {
			rss = append(rss, Sample{T: float64(p.wall-t0) / 1e6, RSS: p.rss})
		}
	}
	applyPlateau(res, rss)
}
