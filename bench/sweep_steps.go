package bench

import (
	"fmt"
	"time"
)

// step is one trial of the sweep: a job's measured trial, or the warm-up
// before it; index is the job's place in its list.
type step struct {
	job    Job
	index  int
	warmup bool
}

// plan lists the trials of jobs: each job's, after a warm-up where its
// model has not yet run its workload in this sweep.
func (s *sweep) plan(jobs []Job) []step {
	out := make([]step, 0, len(jobs))
	for i, job := range jobs {
		if s.skip[job.Cell] != "" {
			continue
		}
		if k := warmKey(s.cells[job.Cell]); !s.opt.NoWarmup && !s.warmed[k] {
			s.warmed[k] = true
			out = append(out, step{job: job, index: i, warmup: true})
		}
		out = append(out, step{job: job, index: i})
	}
	return out
}

// warmKey groups the cells one warm-up serves: a model on a workload.
func warmKey(spec Spec) string {
	return fmt.Sprintf("%s|%s|%v", spec.Model, spec.Workload, spec.Direct)
}

// stepHooks tell runSteps's caller about its progress: announce before a
// job's measured trial, advance after it succeeded; stop, when set, ends
// the steps before the next trial.
type stepHooks struct {
	announce, advance func(index int)
	stop              func() bool
}

// runSteps runs steps in order. An isolated trial's child for the next
// step is started as the current trial's window closes, so its start-up
// runs beside this one's teardown (see pipeline.go). The error is only a
// failure to write results.json.
func (s *sweep) runSteps(steps []step, h stepHooks) error {
	var ahead *childTrial
	aheadAt := -1
	defer func() {
		if ahead != nil {
			ahead.abort()
		}
	}()
	for k, st := range steps {
		if s.ctx.Err() != nil || (h.stop != nil && h.stop()) {
			return nil
		}
		if s.skip[st.job.Cell] != "" { // dropped since it was planned
			if aheadAt == k {
				ahead.abort()
				ahead, aheadAt = nil, -1
			}
			continue
		}
		var c *childTrial
		if aheadAt == k {
			c = ahead
		} else if ahead != nil {
			ahead.abort()
		}
		ahead, aheadAt = nil, -1
		if !st.warmup {
			h.announce(st.index)
		}
		res, err := s.trial(s.cells[st.job.Cell], c, func() {
			if n := s.nextRunnable(steps, k+1); n >= 0 && s.ctx.Err() == nil {
				ahead, _ = s.startChild(s.cells[steps[n].job.Cell])
				aheadAt = n
			}
		})
		if st.warmup {
			if res != nil {
				s.account(res, true)
			}
			if err != nil {
				s.fail(st.job, err)
			}
			continue
		}
		if werr := s.record(st.job, res, err); werr != nil {
			return werr
		}
		if err == nil {
			h.advance(st.index)
		}
	}
	return nil
}

// nextRunnable is the index of the first step from k whose cell still
// runs, or -1.
func (s *sweep) nextRunnable(steps []step, k int) int {
	for ; k < len(steps); k++ {
		if s.skip[steps[k].job.Cell] == "" {
			return k
		}
	}
	return -1
}

// record adds a job's measured trial to the file (its error, if any, to
// the notes) and checkpoints results.json when due; its error is only a
// failure to write it.
func (s *sweep) record(job Job, res *Result, err error) error {
	recording := time.Now()
	if res != nil {
		res.Repeat = job.Repeat
		s.f.Trials = append(s.f.Trials, *res)
		if res.Error == "" && err == nil {
			s.measured[job.Cell] = append(s.measured[job.Cell], *res)
		}
		for _, v := range ViolationNotes(*res) {
			s.note("%s", v)
		}
	}
	if err != nil {
		s.fail(job, err)
		return nil
	}
	var werr error
	if s.opt.Checkpoint > 0 && time.Since(s.lastWrite) > s.opt.Checkpoint {
		werr = s.write(false)
		s.lastWrite = time.Now()
	}
	s.account(res, false)
	s.addRecord(res, time.Since(recording))
	return werr
}

// trial runs spec once: in process with opt.InProcess, else in the child
// c (started ahead) or in a fresh one started now. closed is called as
// the window closes, when the next trial's child may start.
func (s *sweep) trial(spec Spec, c *childTrial, closed func()) (*Result, error) {
	if s.opt.InProcess {
		return s.inProcess(spec)
	}
	if c == nil {
		var err error
		if c, err = s.startChild(spec); err != nil {
			return nil, err
		}
	}
	if err := s.server.clean(s.ctx); err != nil {
		c.abort()
		return nil, err
	}
	c.goAhead()
	select {
	case <-c.closed:
		closed()
	case <-s.ctx.Done():
	}
	res, err := c.wait()
	s.server.after(c.shared, err)
	return res, err
}

// startChild starts spec's trial child with the sweep's data files and
// latency server.
func (s *sweep) startChild(spec Spec) (*childTrial, error) {
	ds, err := s.dataSet(spec)
	if err != nil {
		return nil, err
	}
	srv, err := s.server.forSpec(s.ctx, spec)
	if err != nil {
		return nil, err
	}
	return startChild(s.ctx, spec, trialEnv{data: ds, server: srv})
}

// inProcess runs spec in this process with the sweep's data files and
// latency server.
func (s *sweep) inProcess(spec Spec) (*Result, error) {
	ds, err := s.dataSet(spec)
	if err != nil {
		return nil, err
	}
	srv, err := s.server.forSpec(s.ctx, spec)
	if err != nil {
		return nil, err
	}
	if err := s.server.clean(s.ctx); err != nil {
		return nil, err
	}
	ctx := withSweepServer(s.ctx, srv)
	if ds.dir != "" {
		ctx = withDataDir(ctx, ds.dir, true, ds.key)
	}
	entered := time.Now()
	res, err := Run(ctx, spec)
	if res != nil {
		costOutside(res, time.Time{}, entered)
		res.Cost.Total = max(0, time.Since(entered).Seconds()-res.Window)
	}
	s.server.after(srv, err)
	return res, err
}

// dataSet is spec's data set in the sweep (zero for none); writing it,
// once per sweep, counts in the duty cycle's cost.
func (s *sweep) dataSet(spec Spec) (dataSet, error) {
	t0, made := time.Now(), s.data.made
	ds, err := s.data.setFor(spec)
	if s.data.made > made {
		d := time.Since(t0).Seconds()
		s.duty.Cost.Files += d
		s.duty.Cost.Total += d
	}
	return ds, err
}
