package bench

import (
	"runtime"
	"sync"
	"time"

	"concbench/models"
)

// sampler records the process tree's CPU use, RSS and in-flight tasks every
// period while a trial runs, and keeps the peaks.
type sampler struct {
	tr     *models.Trial
	period time.Duration
	stop   chan struct{}
	wg     sync.WaitGroup

	samples []Sample
	peakRSS int64
	threads int
	statm   *procFile // this process's /proc/self/statm, kept open

	// own is the sampler thread's own CPU use, subtracted from the trial's.
	own usage

	// lastChild remembers each live child's CPU seconds, so a child reaped
	// between samples does not make CPU go backwards.
	lastChild map[int]float64
}

func startSampler(tr *models.Trial, period time.Duration) *sampler {
	s := &sampler{tr: tr, period: period, stop: make(chan struct{}), lastChild: map[int]float64{}, statm: openSelfStatm()}
	s.wg.Add(1)
	go s.loop()
	return s
}

func (s *sampler) treeCPU() float64 {
	u := selfUsage()
	c := childUsage() // reaped children
	cpu := u.user + u.sys + c.user + c.sys
	live := s.tr.LivePIDs()
	seen := make(map[int]bool, len(live))
	for _, pid := range live {
		v := cpuOf(pid)
		if v > 0 {
			s.lastChild[pid] = v
		}
		seen[pid] = true
	}
	for pid := range s.lastChild {
		if !seen[pid] {
			delete(s.lastChild, pid) // reaped: now in childUsage
		}
	}
	for _, v := range s.lastChild {
		cpu += v
	}
	return cpu
}

func (s *sampler) treeRSS() int64 {
	rss := s.statm.rss()
	for _, pid := range s.tr.LivePIDs() {
		rss += rssOf(pid)
	}
	return rss
}

// sample appends one timeline point. A point closer than half a period to
// the previous one is not emitted (CPU over a tiny interval is mostly
// rounding), unless final; the peaks are updated either way.
func (s *sampler) sample(prevT time.Duration, prevCPU float64, final bool) (time.Duration, float64) {
	t := time.Duration(s.tr.Rec.Now())
	cpu := s.treeCPU()
	rss := s.treeRSS()
	s.peakRSS = max(s.peakRSS, rss)
	s.threads = max(s.threads, threadsCreated())
	dt := t - prevT
	if dt < s.period/2 && !(final && len(s.samples) == 0) {
		return prevT, prevCPU
	}
	cores := 0.0
	if dt > 0 {
		cores = max(0, (cpu-prevCPU)/dt.Seconds())
	}
	s.samples = append(s.samples, Sample{T: float64(t) / 1e6, Cores: cores, RSS: rss, Inflight: s.tr.Rec.InflightNow()})
	return t, cpu
}

// loop runs on its own locked OS thread so its CPU cost can be measured
// (RUSAGE_THREAD) and taken out of the trial's figures.
func (s *sampler) loop() {
	defer s.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := threadUsage()
	defer func() {
		end := threadUsage()
		s.own = usage{user: end.user - start.user, sys: end.sys - start.sys}
	}()
	tick := time.NewTicker(s.period)
	defer tick.Stop()
	t, cpu := time.Duration(s.tr.Rec.Now()), s.treeCPU()
	for {
		select {
		case <-s.stop:
			s.sample(t, cpu, true)
			return
		case <-tick.C:
			t, cpu = s.sample(t, cpu, false)
		}
	}
}

// finish stops sampling and returns the samples and peaks.
func (s *sampler) finish() {
	close(s.stop)
	s.wg.Wait()
	s.statm.close()
}

// threadsCreated is how many OS threads the Go runtime has created. The
// runtime does not retire threads (unless a locked goroutine exits), so
// this is the peak number of OS threads, read without touching /proc.
func threadsCreated() int {
	n, _ := runtime.ThreadCreateProfile(nil)
	return n
}
