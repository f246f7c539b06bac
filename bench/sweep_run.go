package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"concbench/models"
	"concbench/resultfmt"
)

// sweep is one run of Sweep: the suite's cells, what has been measured of
// each, and the file being written.
type sweep struct {
	ctx   context.Context
	suite *Suite
	opt   SweepOptions
	f     *File

	cells    []Spec
	server   *sweepServer
	skip     []string   // why a cell no longer runs ("" while it does)
	measured [][]Result // each cell's successful measured trials
	warmed   map[string]bool
	data     *sweepData

	repeats   int
	done      int // jobs run so far (progress)
	failed    bool
	started   time.Time
	lastWrite time.Time
	duty      Duty
}

// Duty is a sweep's duty cycle (resultfmt.Duty).
type Duty = resultfmt.Duty

// newSweep checks the suite, the machine and the output directory.
func newSweep(ctx context.Context, suite *Suite, opt SweepOptions) (*sweep, error) {
	if err := suite.Check(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	for _, c := range suite.Cells() {
		if skipReason(c) != "" {
			continue
		}
		if err := CheckMachine(c, opt.Force); err != nil {
			return nil, fmt.Errorf("suite %s, cell %s: %w", suite.Name, c.Name(), err)
		}
	}
	if opt.Out != "" {
		if err := resultfmt.ProbeDir(opt.Out); err != nil {
			return nil, fmt.Errorf("%w: --out %s: %v", ErrUsage, opt.Out, err)
		}
	}
	s := &sweep{ctx: ctx, suite: suite, opt: opt, cells: suite.Cells(), repeats: suite.Repeats,
		warmed: map[string]bool{}, data: newSweepData()}
	s.server = newSweepServer(s.cells)
	if opt.Repeats > 0 {
		s.repeats = opt.Repeats
	}
	s.f = &File{Suite: suite.Name, Warmup: !opt.NoWarmup, CITarget: suite.CITarget, Models: models.Names(), Traits: ModelTraits(), Meta: CollectMeta(opt.MetaProbe), Trials: []Result{}}
	s.skip = make([]string, len(s.cells))
	s.measured = make([][]Result, len(s.cells))
	for i, c := range s.cells {
		if s.skip[i] = skipReason(c); s.skip[i] != "" {
			s.note("skipped %s: %s", c.Name(), s.skip[i])
		}
	}
	s.started, s.lastWrite = time.Now(), time.Now()
	return s, nil
}

// note records a note in the file and reports it.
func (s *sweep) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.f.Notes = append(s.f.Notes, msg)
	if s.opt.OnNote != nil {
		s.opt.OnNote(msg)
	}
}

// write writes the file as it stands, with the duty cycle so far.
func (s *sweep) write(complete bool) error {
	s.f.Complete = complete
	d := s.duty
	d.Wall = time.Since(s.started).Seconds()
	if d.Wall > 0 {
		d.Ratio = d.Windows / d.Wall
	}
	s.f.Duty = &d
	if s.opt.Out == "" {
		return nil
	}
	return resultfmt.WriteResults(s.opt.Out, s.f)
}

// runFixed runs the suite's R rounds.
func (s *sweep) runFixed() error {
	order := SweepOrder(len(s.cells), s.repeats, s.suite.Seed)
	return s.runSteps(s.plan(order), stepHooks{
		announce: func(i int) { s.onStart(i, len(order), order[i]) },
		advance:  func(i int) { s.done = i + 1 },
	})
}

// runAdaptive runs more rounds for the cells whose median throughput is
// not yet known to ±CITarget, up to MaxRepeats or the time budget
// (checked before every trial, so a round may stop part-way; its order is
// random, so no cell is favoured).
func (s *sweep) runAdaptive() error {
	start := time.Now()
	budget := time.Duration(s.suite.ExtraBudget)
	maxR := max(s.suite.MaxRepeats, s.repeats, s.opt.MaxRepeats)
	stopped := false
	for r := s.repeats; r < maxR && s.ctx.Err() == nil && !stopped; r++ {
		jobs := moreRepeats(s.measured, s.skip, r, s.suite.CITarget, s.suite.Seed)
		first := s.done
		err := s.runSteps(s.plan(jobs), stepHooks{
			announce: func(i int) { s.onStart(s.done, first+len(jobs), jobs[i]) },
			advance:  func(int) { s.done++ },
			stop: func() bool {
				stopped = stopped || budget > 0 && time.Since(start) > budget
				return stopped
			},
		})
		if err != nil {
			return err
		}
	}
	if maxR > s.repeats && s.ctx.Err() == nil {
		if jobs := moreRepeats(s.measured, s.skip, maxR, s.suite.CITarget, s.suite.Seed); len(jobs) > 0 {
			limit := fmt.Sprintf("%d repeats", maxR)
			if stopped {
				limit = fmt.Sprintf("the %v time budget of adaptive repeats", budget)
			}
			s.note("adaptive repeats: %d cells did not reach ±%.0f%% (95%% CI of the median throughput) within %s", len(jobs), s.suite.CITarget*100, limit)
		}
	}
	return nil
}

func (s *sweep) onStart(i, total int, job Job) {
	if s.opt.OnStart != nil {
		s.opt.OnStart(i, total, s.cells[job.Cell])
	}
}

// account adds a trial to the duty cycle.
func (s *sweep) account(res *Result, warmup bool) {
	s.duty.Trials++
	if warmup {
		s.duty.WarmupWindows += res.Window
	} else {
		s.duty.Windows += res.Window
	}
	if res.Cost != nil {
		s.duty.Cost.Add(*res.Cost)
	}
}

// addRecord adds the sweep's own recording time after a trial (appending
// it, checkpointing results.json) to its cost.
func (s *sweep) addRecord(res *Result, d time.Duration) {
	if res == nil || res.Cost == nil {
		return
	}
	res.Cost.Record += d.Seconds()
	res.Cost.Total += d.Seconds()
	s.duty.Cost.Record += d.Seconds()
	s.duty.Cost.Total += d.Seconds()
}

// fail records a failed job: interrupted (nothing to note), bad input
// (the cell is skipped) or a failure (the cell stops, the file is marked
// incomplete).
func (s *sweep) fail(job Job, err error) {
	spec := s.cells[job.Cell]
	switch {
	case s.ctx.Err() != nil:
	case errors.Is(err, ErrUsage):
		s.skip[job.Cell] = "failed"
		s.note("skipped %s: %v", spec.Name(), err)
	default:
		s.skip[job.Cell] = "failed"
		s.failed = true
		s.f.Failed++
		s.note("failed %s (repeat %d): %v", spec.Name(), job.Repeat, err)
	}
}

// finish writes the results: interrupted, incomplete or complete.
func (s *sweep) finish() (*File, error) {
	if s.ctx.Err() != nil {
		s.f.Interrupted = true
		s.note("interrupted after %d trials: the results are incomplete", len(s.f.Trials))
		if err := s.write(false); err != nil {
			return s.f, err
		}
		return s.f, context.Cause(s.ctx)
	}
	if s.opt.OnStart != nil {
		s.opt.OnStart(s.done, s.done, Spec{})
	}
	if s.duty.Trials > 0 && s.opt.OnNote != nil {
		// Printed, not kept in the notes: the file carries it as Duty.
		s.duty.Wall = time.Since(s.started).Seconds()
		s.opt.OnNote(DutyLine(s.duty))
	}
	if !slices.ContainsFunc(s.f.Trials, func(r Result) bool { return r.Error == "" }) {
		s.note("no trial ran: every cell was skipped or failed")
		s.failed = true
	}
	if err := s.write(!s.failed); err != nil {
		return s.f, err
	}
	if s.failed {
		return s.f, fmt.Errorf("%w (%d trials written, marked incomplete; see the notes)", ErrTrialsFailed, len(s.f.Trials))
	}
	return s.f, nil
}

// DutyLine is the one-line summary of a sweep's duty cycle and of what
// its trials cost outside their windows, per trial on average.
func DutyLine(d Duty) string {
	if d.Trials == 0 || d.Wall <= 0 {
		return "duty cycle: no trials"
	}
	n := float64(d.Trials)
	ms := func(v float64) float64 { return v / n * 1000 }
	return fmt.Sprintf("duty cycle %.0f%%: %.1f s of measured windows in %.1f s (%d trials, warm-ups' windows %.1f s); "+
		"per trial outside its window %.0f ms: child start %.0f ms and set-up %.0f ms (server %.0f, files %.0f, runner/workers %.0f), %.0f ms of them beside the previous trial's teardown; teardown %.0f ms, record %.0f ms",
		100*d.Windows/d.Wall, d.Windows, d.Wall, d.Trials, d.WarmupWindows,
		ms(d.Cost.Total), ms(d.Cost.ChildStart), ms(d.Cost.Setup), ms(d.Cost.Server), ms(d.Cost.Files), ms(d.Cost.Prepare),
		ms(d.Cost.Ahead), ms(d.Cost.Teardown), ms(d.Cost.Record))
}
