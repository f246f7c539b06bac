package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"time"
	"unsafe"

	"concbench/internal/badinput"
	"concbench/models"
	"concbench/resultfmt"
	"concbench/workload"
)

// ErrUsage marks a Spec the user got wrong (unknown name, impossible size);
// the CLI maps it to exit status 2.
var ErrUsage = badinput.Err

// ValidateSpec checks a spec and fills its defaults, returning ErrUsage-wrapped
// errors that name what is wrong and what is allowed.
func ValidateSpec(s *Spec) error {
	info, err := models.Lookup(s.Model)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if err := info.Usable(); err != nil {
		return fmt.Errorf("%w: model %s is unavailable here: %v", ErrUsage, s.Model, err)
	}
	if _, err := workload.Lookup(s.Workload); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if s.Tasks <= 0 || s.Tasks > workload.MaxTasks {
		return fmt.Errorf("%w: --tasks %d out of range (allowed 1..%d)", ErrUsage, s.Tasks, workload.MaxTasks)
	}
	if s.Load == "" {
		s.Load = "batch"
	}
	if _, err := ParseLoad(s.Load, 1, 1); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if err := s.Params.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if err := checkConfig(s.Config); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if err := limitSeries.check(s.Series); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if err := checkTimeout(s.Timeout); err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if s.Sample <= 0 {
		s.Sample = DefaultSample
	}
	s.Params = s.Params.Fill()
	return nil
}

// Run executes one trial in this process and measures it. GOMAXPROCS is set
// to the model's setting for the trial and restored after. The error is
// non-nil when the trial could not run or a task failed; the Result then
// still carries what was measured, with Error set.
func Run(ctx context.Context, spec Spec) (*Result, error) {
	if err := ValidateSpec(&spec); err != nil {
		return nil, err
	}
	info, _ := models.Lookup(spec.Model)
	cfg := info.Resolve(models.Config(spec.Config))
	load, _ := ParseLoad(spec.Load, spec.Tasks, spec.Params.Seed)
	tasks, err := workload.Build(spec.Workload, spec.Tasks, spec.Params)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	tasks = slowTasks(tasks, slowdownFor(spec.Model))
	ctx, cancel := context.WithTimeoutCause(ctx, spec.Timeout, fmt.Errorf("trial timed out after %v (--timeout)", spec.Timeout))
	defer cancel()

	// Each CPU kernel's cost on this machine, now, before anything of the
	// trial's (server, workers) runs beside the probe.
	costs := calibrateCPU(tasks)
	env, rs, err := prepare(ctx, spec)
	if err != nil {
		return nil, err
	}
	defer rs.release() // no-op once released below
	// A server of ours (spawned here, or the sweep's) waits exact delays
	// and its ledger holds only our requests.
	ownServer := rs.own()

	m, err := info.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w: model %s: %v", ErrUsage, spec.Model, err)
	}
	prevProcs := runtime.GOMAXPROCS(cfg.Procs)
	defer runtime.GOMAXPROCS(prevProcs)

	tr := models.NewTrial(ctx, tasks, load, env, spec.Track)
	defer tr.Close()
	prep := time.Now()
	if p, ok := m.(models.Preparer); ok {
		if err := p.Prepare(tr.Context(), tr); err != nil {
			return nil, fmt.Errorf("%s: prepare: %w", spec.Model, err)
		}
	}
	// Evidence gathered before the clock: each task's floor, and the
	// recorder's slots made resident so the model's memory figure leaves
	// them out.
	floor := taskFloors(tasks, costs, ownServer, info.TimerSlack)
	tr.Rec.Prefault()
	prepared := time.Since(prep)
	// A clean heap before the window, collected before the ready point:
	// a child started ahead collects beside the previous trial's teardown,
	// not between two windows.
	runtime.GC()
	debug.FreeOSMemory()
	waited := atReady(ctx)

	res := &Result{Spec: spec, Config: resultfmt.Config(cfg), Shape: load.Shape.String(), Tasks: len(tasks), Started: time.Now().UTC()}
	baseRSS := rssOf(0)
	rt0 := readRuntime()
	// The CPU clocks are read right at the window's edges, so the CPU
	// figures cover the same span as the wall time they are divided by.
	stat0 := readMachineStat()
	cpu0 := markCPU(tr)
	// Time zero: the nonce every CPU and File output depends on is drawn
	// now, after Prepare, so no model has a result before the clock.
	tr.SetNonce(workload.NewSecret())
	chars0, chars0OK := charsMark(tr)
	tr.Rec.Reset()
	var smp *sampler
	if !spec.ExternalSampler {
		smp = startSampler(tr, spec.Sample)
	}

	runErr := runModel(tr, m)

	wall := time.Duration(tr.Rec.Now())
	stat1 := readMachineStat()
	atClose(ctx)
	res.StartUnixNano = tr.Rec.Base().UnixNano()
	res.Window = wall.Seconds()
	var own usage
	if smp != nil {
		smp.finish()
		own = smp.own
	}
	cpu := markCPU(tr).since(cpu0)
	chars1, chars1OK := charsMark(tr)
	if smp != nil {
		res.PeakRSS = max(smp.peakRSS, baseRSS)
		res.Threads = smp.threads
		res.Timeline = smp.samples
	} else {
		// The parent process samples this one from outside (RunIsolated)
		// and fills in the timeline and peaks; these are floors.
		res.PeakRSS = max(rssOf(0), baseRSS)
		res.Threads = threadsCreated()
	}
	rt1 := readRuntime()
	netErr := proveNet(ctx, rs, tasks, tr.Rec, res)
	srvUsage, srvErr := rs.release()

	res.BaseRSS = baseRSS
	// The sampler's own thread is harness, not model: take it out.
	res.CPUUser = max(0, cpu.user-own.user)
	res.CPUSys = max(0, cpu.sys-own.sys)
	res.HarnessCPU = own.user + own.sys
	res.StartupCPU = cpu.startup
	res.CPUResolution = cpu.res
	res.CPUUnresolved = cpuUnresolved(wall, cpu.res)
	res.CtxVoluntary = cpu.nvcsw
	res.CtxInvoluntary = cpu.nivcs
	res.ServerCPU = srvUsage.CPUSeconds()
	res.ServerRequests = srvUsage.Requests
	res.Cost = rs.cost(prepared, waited)
	res.Noise = noiseOver(stat0, stat1, wall, res.CPUUser+res.CPUSys+res.HarnessCPU+res.ServerCPU)
	res.Runtime = runtimeDelta(rt0, rt1)
	res.WorkerPIDs = tr.AllPIDs()
	res.Extra = tr.Extra()
	res.Workers = tr.Workers()
	res.BytesRead = max(0, chars1-chars0)
	res.HarnessMemPerTask = float64(tr.Rec.SlotBytes() + tr.HarnessBytes() + int(unsafe.Sizeof(workload.Task{})))
	if info.Runtime != nil {
		res.RuntimeVersion = info.Runtime()
	}
	res.PeakInflight = tr.Rec.PeakInflight()
	res.PeakCPUSteps = tr.Rec.PeakCPU()
	res.Completed = tr.Rec.Finished()
	summarise(res, tr, wall)

	if runErr == nil {
		runErr = tr.Err()
	}
	if runErr == nil && srvErr != nil {
		runErr = srvErr
	}
	if runErr == nil && ctx.Err() != nil {
		runErr = context.Cause(ctx)
	}
	if runErr == nil && res.Completed != int64(len(tasks)) {
		runErr = fmt.Errorf("model %s finished %d of %d tasks without an error", spec.Model, res.Completed, len(tasks))
	}
	var verifyErr error
	verified := workload.Verification{Tasks: len(tasks)}
	// The window is over and measured: the harness's own GOMAXPROCS
	// back, so that verification recomputes digests on every core.
	runtime.GOMAXPROCS(prevProcs)
	if runErr == nil {
		secret := spec.Params
		secret.Nonce, secret.Key = tr.Nonce(), rs.key
		verified, verifyErr = proveSteps(secret, info, tasks, tr.Rec, ownServer, srvUsage.Requests)
		res.Verified = verified.Verified
		// The ledger's error names the step: it goes first.
		runErr = cmp.Or(netErr, verifyErr)
	}
	// A trial stopped by its caller (Ctrl-C: Canceled, where a timeout is
	// DeadlineExceeded) was cut short, not measured whole: checking it
	// recorded false violations ("0 of 1000 tasks completed").
	if !errors.Is(ctx.Err(), context.Canceled) {
		files := hasKind(tasks, workload.File)
		invErr := checkInvariants(res, trialFacts{tasks: tasks, load: load, tr: tr, rec: tr.Rec, verifyErr: verifyErr, verified: verified,
			ownServer: ownServer, slack: info.TimerSlack, floors: floor, runtime: info.Runtime != nil,
			parallel: parallelism(info, cfg, res.Workers, files, len(tasks)),
			chars:    res.BytesRead, charsOK: chars0OK && chars1OK})
		switch {
		case runErr == nil:
			runErr = invErr
		case invErr != nil:
			runErr = fmt.Errorf("%w; %v", runErr, invErr)
		}
	}
	if runErr != nil {
		runErr = fmt.Errorf("%s on %s (%s, %d tasks): %w", spec.Model, spec.Workload, spec.Load, len(tasks), runErr)
		res.Error = runErr.Error()
		return res, runErr
	}
	return res, nil
}

// proveSteps checks that every step of every task ran (the step-proof
// protocol, README "How a trial is measured"): each result's CPU, Net and
// File digests (workload.Check, CPU within its budget), and each task's
// service time against its waits less the model's timer slack. With the
// trial's own latency server (ownServer; not a remote CONCBENCH_SERVER,
// whose delay distribution and other clients are unknown) the Net delays
// count as waits, and the server's answered requests must equal the Net
// steps of the completed tasks. p carry the trial's nonce and data key.
// It returns what it verified.
func proveSteps(p workload.Params, info models.Info, tasks []workload.Task, r *models.Recorder, ownServer bool, served int64) (workload.Verification, error) {
	checked, err := workload.Check(tasks, r.Result, p)
	if err != nil {
		return checked, fmt.Errorf("%w (evidence %s)", err, resultfmt.EvidenceDigest)
	}
	if err := workload.CheckService(tasks, r.Start, r.End, info.TimerSlack, ownServer); err != nil {
		return checked, fmt.Errorf("%w (evidence %s)", err, resultfmt.EvidenceFloors)
	}
	if want := workload.NetSteps(tasks, r.End); ownServer && served != want {
		return checked, fmt.Errorf("verify: the latency server answered %d requests, but the completed tasks (%s) made %d net steps: net steps did not reach the server (evidence %s)", served, netTasks(tasks), want, resultfmt.EvidenceLedger)
	}
	return checked, nil
}

// netTasks names the tasks with Net steps, e.g. "task 3" or "tasks 0 to 99".
func netTasks(tasks []workload.Task) string {
	var ids []uint32
	for _, t := range tasks {
		if workload.NetSteps([]workload.Task{t}, nil) > 0 {
			ids = append(ids, t.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "no task"
	case 1:
		return fmt.Sprintf("task %d", ids[0])
	}
	return fmt.Sprintf("tasks %d to %d", slices.Min(ids), slices.Max(ids))
}

// LittlesRatio is the Result.Extra key of a closed load's Little's law
// ratio: mean latency x throughput / clients. Each client always has
// exactly one task outstanding (its next arrives the instant its previous
// completes), so the ratio is 1 up to the ramp-down at the end by
// construction: information, not a check (the floors and the release
// ledger hold the closed load, see invariants.go).
const LittlesRatio = "littles_ratio"

// summarise derives latency, wait and service distributions, throughput,
// CPU ratios and the per-task series from the recorder's slots.
func summarise(res *Result, tr *models.Trial, wall time.Duration) {
	r := tr.Rec
	n := len(tr.Tasks)
	lat := make([]float64, 0, n)
	wait := make([]float64, 0, n)
	svc := make([]float64, 0, n)
	var inner []float64
	var last int64
	for i := 0; i < n; i++ {
		if r.End[i] == 0 {
			continue
		}
		last = max(last, r.End[i])
		lat = append(lat, float64(r.End[i]-r.Arrive[i]))
		wait = append(wait, float64(r.Start[i]-r.Arrive[i]))
		svc = append(svc, float64(r.End[i]-r.Start[i]))
		if r.Inner != nil {
			inner = append(inner, float64(r.Inner[i]))
		}
	}
	if res.Spec.Series > 0 {
		res.Series = series(tr, res.Spec.Series)
	}
	res.HDR = resultfmt.EncodeHDR(lat)
	res.Latency = dist(lat)
	res.Wait = dist(wait)
	res.Service = dist(svc)
	if inner != nil {
		d := dist(inner)
		res.Inner = &d
	}
	if last == 0 {
		last = int64(wall)
	}
	res.Makespan = float64(last) / 1e9
	if res.Makespan > 0 {
		res.Throughput = float64(len(lat)) / res.Makespan
		res.CPUCores = (res.CPUUser + res.CPUSys) / (float64(wall) / 1e9)
	}
	if cpu := res.CPUUser + res.CPUSys; cpu > 0 {
		res.TasksPerCPU = float64(len(lat)) / cpu
	}
	if tr.Load.Shape == models.Closed && res.Throughput > 0 {
		if res.Extra == nil {
			res.Extra = map[string]float64{}
		}
		res.Extra[LittlesRatio] = res.Latency.Mean / 1e3 * res.Throughput / float64(min(tr.Load.Clients, n))
	}
	setPlateau(res, r)
	applyPlateau(res, res.Timeline)
}

// series keeps up to k completed tasks, evenly spread in arrival order,
// always including every blocking task.
func series(tr *models.Trial, k int) []Point {
	r := tr.Rec
	n := len(tr.Tasks)
	idx := make([]int, 0, n)
	for i := 0; i < n; i++ {
		if r.End[i] != 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return r.Arrive[idx[a]] < r.Arrive[idx[b]] })
	stride := max(1, len(idx)/k)
	var pts []Point
	for j, i := range idx {
		blocking := workload.BlockingTask(tr.Tasks[i])
		if j%stride != 0 && !blocking {
			continue
		}
		pts = append(pts, Point{Task: tr.Tasks[i].ID, Arrive: float64(r.Arrive[i]) / 1e6,
			Latency: float64(r.End[i]-r.Arrive[i]) / 1e6, Blocking: blocking})
	}
	return pts
}

// StopGrace is how long a model may take to return after its trial's
// context ends (timeout or Ctrl-C) before the harness gives up on it.
const StopGrace = 3 * time.Second

// runModel runs m, but returns at most StopGrace after the trial's context
// ends even if the model ignores it (the model's goroutine is then
// abandoned; a trial child exits right after, so nothing outlives it).
func runModel(tr *models.Trial, m models.Model) error {
	done := make(chan error, 1)
	go func() { done <- m.Run(tr.Context(), tr) }()
	select {
	case err := <-done:
		return err
	case <-tr.Context().Done():
	}
	t := time.NewTimer(StopGrace)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return fmt.Errorf("model did not stop within %v of: %w", StopGrace, context.Cause(tr.Context()))
	}
}
