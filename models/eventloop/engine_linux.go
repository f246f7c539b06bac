//go:build linux

package eventloop

import (
	"context"
	"fmt"
	"runtime"
	"unsafe"

	"concbench/models"
	"concbench/workload"
)

// The model's callbacks.
const (
	// opWake resumes task arg after its Sleep timer fired.
	opWake op = opModel + iota
	// opArrive admits the open load's tasks whose arrival time has come.
	opArrive
	// opJobDone resumes task arg with an offloaded step's result.
	opJobDone
)

// admitBudget is the most tasks started per loop iteration.
const admitBudget = 1024

// model is the event-loop model for one trial.
type model struct {
	limit   int
	threads int
	// readFile, when set, performs a File step off the loop (on the thread
	// pool); nil fails File steps with workload.ErrNoFiles. See io_linux.go.
	readFile func(t workload.Task, s workload.Step, nonce uint64) (uint64, error)
}

func newModel(limit, threads int) (models.Model, error) {
	return &model{limit: limit, threads: threads}, nil
}

// taskState is all the loop keeps per task between callbacks: the folded
// result so far and the index of the current step. 16 bytes, preallocated.
type taskState struct {
	acc  uint64
	step uint32
	_    uint32
}

// engine runs one trial's tasks as state machines on a reactor. Task
// indices start in order (every load shape releases tasks in index order),
// so the tasks that arrived but wait for the in-flight limit are exactly
// next..arrived-1: the FIFO costs two integers.
type engine struct {
	tr       *models.Trial
	rec      *models.Recorder
	tasks    []workload.Task
	st       []taskState
	r        *reactor
	shape    models.Shape
	arrivals []int64
	readFile func(t workload.Task, s workload.Step, nonce uint64) (uint64, error)
	fileJob  func(arg int32) (uint64, error)
	net      *netClient
	// nonce is the trial's (models.Trial.Nonce), read as Run starts.
	nonce uint64

	n, limit          int
	arrived, next     int
	inflight, settled int
	failed, track     bool
}

// Run executes the trial on the calling goroutine, locked to its OS thread
// for the whole trial: that thread runs every step of every task.
func (m *model) Run(ctx context.Context, tr *models.Trial) error {
	n := len(tr.Tasks)
	if err := checkLoad(tr.Load, n); err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	readFile := m.readFile
	var files *workload.FileSet
	if readFile == nil && len(tr.Env.Files) > 0 {
		fs, err := workload.OpenFiles(tr.Env.Files, tr.Env.Direct)
		if err != nil {
			return fmt.Errorf("eventloop: %w", err)
		}
		files, readFile = fs, fs.Read
	}
	r, err := newReactor(tr.Rec.Base(), m.threads)
	if err != nil {
		if files != nil {
			files.Close()
		}
		return fmt.Errorf("eventloop: %w", err)
	}
	e := m.newEngine(tr, r, readFile)
	unhook := onCancel(r, ctx, tr.Context())
	runErr := r.run(e)
	unhook()
	e.net.closeAll()
	if cerr := r.close(); runErr == nil {
		runErr = cerr
	}
	if files != nil {
		// After r.close: no pool thread reads any more.
		if cerr := files.Close(); runErr == nil {
			runErr = cerr
		}
	}
	if err := tr.Err(); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("eventloop: %w", runErr)
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	if tr.Context().Err() != nil {
		return context.Cause(tr.Context())
	}
	return nil
}

// checkLoad rejects loads the loop cannot schedule.
func checkLoad(l models.Load, n int) error {
	switch l.Shape {
	case models.Closed:
		if l.Clients < 1 && n > 0 {
			return fmt.Errorf("eventloop: closed load needs at least 1 client, got %d", l.Clients)
		}
	case models.Open:
		if len(l.Arrivals) != n {
			return fmt.Errorf("eventloop: open load has %d arrivals for %d tasks", len(l.Arrivals), n)
		}
	}
	return nil
}

// onCancel wakes the loop and stops it when any of ctxs ends. unhook
// deregisters, waiting for a callback already started, so nothing touches
// the reactor's eventfd after unhook returns.
func onCancel(r *reactor, ctxs ...context.Context) (unhook func()) {
	var stops []func()
	seen := map[context.Context]bool{}
	for _, ctx := range ctxs {
		if ctx.Done() == nil || seen[ctx] {
			continue
		}
		seen[ctx] = true
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			defer close(fired)
			r.stopLoop()
		})
		stops = append(stops, func() {
			if !stop() {
				<-fired
			}
		})
	}
	return func() {
		for _, s := range stops {
			s()
		}
	}
}

func (m *model) newEngine(tr *models.Trial, r *reactor, readFile func(workload.Task, workload.Step, uint64) (uint64, error)) *engine {
	n := len(tr.Tasks)
	e := &engine{
		tr: tr, rec: tr.Rec, tasks: tr.Tasks, r: r,
		st:       make([]taskState, n),
		shape:    tr.Load.Shape,
		arrivals: tr.Load.Arrivals,
		readFile: readFile,
		nonce:    tr.Nonce(),
		n:        n, limit: m.limit,
		track: tr.Rec.Tracking(),
	}
	e.fileJob = e.runFileJob
	conns := models.Conns(m.limit, n)
	if tr.Env.Conns > 0 {
		conns = tr.Env.Conns
	}
	e.net = newNetClient(r, e, tr.Env.ServerAddr, conns, tr.Env.Timeout())
	bound := n // tasks in flight at once, at most
	switch e.shape {
	case models.Closed:
		bound = min(tr.Load.Clients, n)
		e.arrived = bound // the clients start with the trial: Arrive is 0
	case models.Open:
		r.addTimer(e.arrivals[0], opArrive, 0)
	default:
		e.arrived = n // Arrive is already 0 for every task
	}
	if e.limit > 0 {
		bound = min(bound, e.limit)
	}
	if hasSleep(tr.Tasks) {
		r.timers.grow(bound + 1) // one timer per sleeping task, one arrival
	}
	return e
}

// hasSleep reports whether any task has a Sleep step, looking once at each
// distinct Steps slice (tasks of a preset share theirs).
func hasSleep(tasks []workload.Task) bool {
	var last *workload.Step
	for _, t := range tasks {
		if len(t.Steps) == 0 || unsafe.SliceData(t.Steps) == last {
			continue
		}
		last = unsafe.SliceData(t.Steps)
		for _, s := range t.Steps {
			if s.Kind == workload.Sleep {
				return true
			}
		}
	}
	return false
}

func (e *engine) done() bool {
	return e.settled == e.n || e.failed || e.tr.Stopped()
}

// tick admits arrived tasks while the in-flight limit allows, up to
// admitBudget per iteration.
func (e *engine) tick() bool {
	e.net.recycle()
	for budget := admitBudget; e.next < e.arrived; budget-- {
		if e.limit > 0 && e.inflight >= e.limit {
			return false
		}
		if budget == 0 {
			return true
		}
		i := e.next
		e.next++
		e.inflight++
		e.tr.Begin(i)
		e.advance(int32(i))
		if e.failed {
			return false
		}
	}
	return false
}

// advance runs task i from its current step: steps that complete inline
// (Noop, CPU, Block) run here; a step that must wait registers interest
// (a timer, a socket, a pool job) and returns, to continue in resume. The
// task's state is kept in locals and written back only when it suspends,
// so a task that never waits never touches its slot.
func (e *engine) advance(i int32) {
	t := &e.tasks[i]
	st := &e.st[i]
	acc, k := st.acc, int(st.step)
	for ; k < len(t.Steps); k++ {
		s := &t.Steps[k]
		if e.track {
			e.rec.Thread(int(i), models.Gettid())
		}
		var out uint64
		switch s.Kind {
		case workload.Noop:
		case workload.CPU:
			e.rec.CPUEnter()
			out = workload.RunCPU(s.Kernel, s.Units, workload.CPUSeed(t.ID, e.nonce))
			e.rec.CPUExit()
		case workload.Block:
			workload.BlockThread(s.Dur)
		default:
			st.acc, st.step = acc, uint32(k)
			e.suspend(i, s)
			return
		}
		acc = workload.Mix(acc, out)
	}
	e.finish(i, acc)
}

// suspend starts waiting step s of task i.
func (e *engine) suspend(i int32, s *workload.Step) {
	var err error
	switch s.Kind {
	case workload.Sleep:
		e.r.addTimer(e.rec.Now()+int64(s.Dur), opWake, i)
	case workload.Net:
		err = e.net.start(i)
	case workload.File:
		err = e.startFile(i, s)
	default:
		err = fmt.Errorf("unknown step kind %v", s.Kind)
	}
	if err != nil {
		e.fail(i, err)
	}
}

// resume continues task i after its waiting step produced out.
func (e *engine) resume(i int32, out uint64) {
	if e.track {
		e.rec.Thread(int(i), models.Gettid())
	}
	st := &e.st[i]
	st.acc = workload.Mix(st.acc, out)
	st.step++
	e.advance(i)
}

// finish records task i done; under a closed load its client submits the
// next task at that very instant (its arrival is task i's end timestamp).
func (e *engine) finish(i int32, acc uint64) {
	e.tr.Finish(int(i), acc)
	e.inflight--
	e.settled++
	if e.shape == models.Closed && e.arrived < e.n {
		e.rec.Arrive[e.arrived] = e.rec.End[i]
		e.arrived++
	}
}

// fail ends the trial with task i's current step as the cause.
func (e *engine) fail(i int32, err error) {
	k := int(e.st[i].step)
	e.failed = true
	e.tr.Fail(int(i), models.StepError(k, e.tasks[i].Steps[k], err))
}

// netStep, netDone and netFail make the engine the Net client's owner:
// its k is a task index.
func (e *engine) netStep(i int32) (*workload.Step, uint64) {
	k := e.st[i].step
	t := &e.tasks[i]
	return &t.Steps[k], workload.NetSeed(t.ID, int(k))
}

func (e *engine) netDone(i int32, digest uint64) { e.resume(i, digest) }

func (e *engine) netFail(i int32, err error) { e.fail(i, err) }

// arrive admits the open load's tasks whose intended arrival has come and
// sets the one arrival timer for the next.
func (e *engine) arrive() {
	now := e.rec.Now()
	for e.arrived < e.n && e.arrivals[e.arrived] <= now {
		e.rec.Arrive[e.arrived] = e.arrivals[e.arrived]
		e.arrived++
	}
	if e.arrived < e.n {
		e.r.addTimer(e.arrivals[e.arrived], opArrive, 0)
	}
}

func (e *engine) dispatch(ev event) {
	switch ev.op {
	case opWake:
		e.resume(ev.arg, 0)
	case opArrive:
		e.arrive()
	case opConn:
		e.net.connReady(ev.arg, ev.mask)
	case opNetTimeout:
		e.net.netTimeout(ev.arg)
	}
}

func (e *engine) complete(c completion) {
	if c.op != opJobDone {
		return
	}
	if c.err != nil {
		e.fail(c.arg, c.err)
		return
	}
	e.resume(c.arg, c.val)
}
