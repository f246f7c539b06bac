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

	// base is the CPU reading when sampling started; treeCPU counts
	// from it, so workers reaped during the trial add only what they
	// used after it (see cpuMark.since).
	base cpuMark
}

func startSampler(tr *models.Trial, period time.Duration) *sampler {
	s := &sampler{tr: tr, period: period, stop: make(chan struct{}), statm: openSelfStatm(), base: markCPU(tr)}
	s.wg.Add(1)
	go s.loop()
	return s
}

// treeCPU returns the CPU seconds the process tree used since s.base.
func (s *sampler) treeCPU() float64 {
	c := markCPU(s.tr).since(s.base)
	return c.user + c.sys
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
