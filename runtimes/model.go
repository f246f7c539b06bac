package runtimes

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"concbench/internal/tailbuf"
	"concbench/models"
)

// Model is one trial of a runtime model: a runner process started by
// Prepare (or Run) and stopped, with its process group, when Run returns.
type Model struct {
	spec spec
	cfg  models.Config

	label   string // "py-asyncio (CPython 3.11.7 (/usr/bin/python3))"
	cmd     *exec.Cmd
	stdin   *os.File
	stdout  *bufio.Reader
	outFile *os.File
	stderr  *tailbuf.Tail
	exited  chan struct{} // closed once the runner is reaped
	waitErr error
	ready   readyMsg
	started time.Time
	startup time.Duration

	// serving marks a server-role runner (serve.go): its program is the
	// server source, and extra (the listening socket) is its fd 3.
	serving bool
	extra   []*os.File

	// who[i] is the OS thread id (threads, event loops) or process id
	// (py-processes) that ran task i, as the runner reported it.
	who []int32
}

// TaskRunners returns, after Run, the thread or process id that ran each
// task (0 for a task that did not finish); tests use it to check that
// py-processes tasks ran in P processes other than the runner.
func (m *Model) TaskRunners() []int32 { return m.who }

// RunnerPID returns the runner's process id (0 before Prepare).
func (m *Model) RunnerPID() int { return m.ready.PID }

// WorkerPIDs returns the runner's pool processes (py-processes).
func (m *Model) WorkerPIDs() []int { return m.ready.Workers }

// errorf returns an error naming the model and its runtime.
func (m *Model) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{m.label}, args...)...)
}

// Prepare starts the runner, sends it the trial and waits until it has
// started its pools, before the trial's clock starts. Its duration is the
// extra "startup_ms".
func (m *Model) Prepare(ctx context.Context, tr *models.Trial) error {
	in, err := m.interpreter(tr.Env.Direct)
	if err != nil {
		return err
	}
	if err := m.start(in); err != nil {
		return err
	}
	tr.AddPID(m.cmd.Process.Pid)
	conc, workers := m.cfg.Concurrency, 0
	if m.spec.pool != nil {
		workers = m.spec.pool()
		tr.SetExtra("pool_threads", float64(workers))
	}
	err = m.handshake(ctx, m.spec.runner, conc, workers, tr)
	if err != nil {
		m.stop(tr)
		return err
	}
	for _, pid := range m.ready.Workers {
		tr.AddPID(pid)
	}
	m.startup = time.Since(m.started)
	return nil
}

// interpreter finds the model's interpreter for a trial or a server,
// names the model after it in m's errors, and refuses what runtime models
// cannot do (another OS, O_DIRECT reads when direct).
func (m *Model) interpreter(direct bool) (interp, error) {
	if err := supported(); err != nil {
		return interp{}, err
	}
	in := m.spec.find()
	m.label = m.spec.name
	if in.Err != nil {
		return in, fmt.Errorf("%s unavailable: %w", m.spec.name, in.Err)
	}
	m.label = fmt.Sprintf("%s (%s)", m.spec.name, in.Label)
	if direct {
		return in, m.errorf("O_DIRECT reads (--direct) are not supported by runtime models")
	}
	return in, nil
}

// start launches the runner with its pipes.
func (m *Model) start(in interp) error {
	flag, src := "-c", m.spec.source()
	if m.serving {
		src = m.spec.serverSource()
	}
	if m.spec.node {
		flag = "-e"
	}
	cmd := exec.Command(in.Path, flag, src)
	cmd.ExtraFiles = m.extra
	cmd.Env = runnerEnv()
	cmd.SysProcAttr = sysProcAttr()
	inR, inW, err := os.Pipe()
	if err != nil {
		return m.errorf("pipe: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return m.errorf("pipe: %w", err)
	}
	m.stderr = &tailbuf.Tail{}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, m.stderr
	m.started = time.Now()
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return m.errorf("start: %w", err)
	}
	m.cmd, m.stdin, m.outFile = cmd, inW, outR
	m.stdout = bufio.NewReaderSize(outR, 64<<10)
	m.exited = make(chan struct{})
	go func() {
		m.waitErr = cmd.Wait()
		close(m.exited)
	}()
	return nil
}

// watch runs fn (which reads the runner's output) until it returns, ctx
// ends or timeout (if > 0) passes; then the runner is killed, which makes
// fn return, and the cause is reported.
func (m *Model) watch(ctx context.Context, timeout time.Duration, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	var expire <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expire = t.C
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		killGroup(m.cmd.Process.Pid)
		<-done
		if msg := clip(m.stderr.LastLine()); msg != "" {
			return m.errorf("stopped: %w (runner's last words: %s)", context.Cause(ctx), msg)
		}
		return m.errorf("stopped: %w", context.Cause(ctx))
	case <-expire:
		killGroup(m.cmd.Process.Pid)
		<-done
		return m.errorf("no answer within %v (hung?): killed; stderr: %s", timeout, clip(m.stderr.LastLine()))
	}
}

// line reads one protocol line: its kind and JSON body. End of output is
// reported with the runner's exit status and last stderr line.
func (m *Model) line() (kind string, body []byte, err error) {
	b, err := m.stdout.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return "", nil, m.garbage("", b)
		}
		return "", nil, m.died("before reporting")
	}
	b = bytes.TrimRight(b, "\n")
	k, rest, _ := bytes.Cut(b, []byte(" "))
	return string(k), append([]byte(nil), rest...), nil
}

// died reports a runner whose output ended early (when: "before
// reporting", ...), with its exit status and last stderr line.
func (m *Model) died(when string) error {
	select {
	case <-m.exited:
	case <-time.After(5 * time.Second):
		killGroup(m.cmd.Process.Pid)
		<-m.exited
	}
	status := "exited"
	if m.waitErr != nil {
		status = m.waitErr.Error()
	}
	msg := clip(m.stderr.LastLine())
	if msg == "" {
		msg = "no output on stderr"
	}
	return m.errorf("runner died %s (%s): %s", when, status, msg)
}

// garbage reports output that is not the protocol.
func (m *Model) garbage(kind string, body []byte) error {
	s := kind
	if len(body) > 0 {
		s += " " + string(body)
	}
	return m.errorf("runner printed unexpected output %q (a runner bug or a broken interpreter)", clip(s))
}

// stop kills the runner's process group (a no-op once it has exited),
// reaps it and forgets its processes.
func (m *Model) stop(tr *models.Trial) {
	if m.cmd == nil {
		return
	}
	select {
	case <-m.exited:
	default:
		killGroup(m.cmd.Process.Pid)
		<-m.exited
	}
	m.stdin.Close()
	m.outFile.Close()
	tr.RemovePID(m.cmd.Process.Pid)
	for _, pid := range m.ready.Workers {
		tr.RemovePID(pid)
	}
	m.cmd = nil
}

// Run starts the trial's clock in the runner, waits for its records and
// writes them into the trial's Recorder.
func (m *Model) Run(ctx context.Context, tr *models.Trial) error {
	if m.cmd == nil {
		if err := m.Prepare(ctx, tr); err != nil {
			return err
		}
	}
	defer m.stop(tr)
	tr.SetExtra("startup_ms", float64(m.startup)/1e6)
	// The runner and its pool processes: processes beside the trial's own
	// whose threads GOMAXPROCS does not bound (the parallelism bound).
	tr.SetWorkers(1 + len(m.ready.Workers))
	// Time zero of the trial on CLOCK_MONOTONIC (the Recorder's one
	// estimate, which the latency server's ledger is converted with too,
	// so the runner's stamps and the ledger's times compare exactly), and
	// the trial's nonce, which the runner learns only now.
	t0, _ := tr.Rec.MonoBase()
	if t0 == 0 {
		t0 = monotonicNow() - tr.Rec.Now()
	}
	if _, err := m.stdin.WriteString("go " + strconv.FormatInt(t0, 10) + " " + strconv.FormatUint(tr.Nonce(), 10) + "\n"); err != nil {
		return m.died("before the clock started")
	}
	var rec *records
	err := m.watch(ctx, 0, func() error {
		kind, body, err := m.line()
		if err != nil {
			return err
		}
		switch kind {
		case "fail":
			var f failMsg
			if err := json.Unmarshal(body, &f); err != nil || f.Task < 0 || f.Task >= len(tr.Tasks) {
				return m.garbage(kind, body)
			}
			tr.Fail(f.Task, m.errorf("%s", f.Error))
			return tr.Err()
		case "done":
			var d doneMsg
			if err := json.Unmarshal(body, &d); err != nil {
				return m.garbage(kind, body)
			}
			if rec, err = readRecords(m.stdout, d, len(tr.Tasks)); err != nil {
				return m.died(fmt.Sprintf("in the middle of its report (%v)", err))
			}
			return nil
		}
		return m.garbage(kind, body)
	})
	if err != nil {
		return err
	}
	if err := m.apply(tr, rec, t0); err != nil {
		return err
	}
	select {
	case <-m.exited:
		if m.waitErr != nil {
			return m.errorf("runner exited with %v after its report: %s", m.waitErr, clip(m.stderr.LastLine()))
		}
	case <-time.After(5 * time.Second):
		return m.errorf("runner did not exit after its report")
	}
	return nil
}

// apply writes the runner's records into the Recorder, relative to t0,
// after checking each finished task's arrival <= start <= end.
func (m *Model) apply(tr *models.Trial, rec *records, t0 int64) error {
	r := tr.Rec
	m.who = rec.who
	if rec.inner != nil {
		r.Inner = rec.inner
	}
	var starts, ends []int64
	for i := range tr.Tasks {
		if rec.end[i] == 0 {
			continue
		}
		a, s, e := rec.arrive[i]-t0, rec.start[i]-t0, rec.end[i]-t0
		if a < 0 || s < a || e < s {
			return m.errorf("runner reported task %d with arrival %d, start %d, end %d ns after time zero (want 0 <= arrival <= start <= end)",
				tr.Tasks[i].ID, a, s, e)
		}
		r.Arrive[i], r.Start[i], r.End[i], r.Result[i] = a, s, e, rec.result[i]
		r.Thread(i, rec.who[i])
		if rec.inner != nil {
			// In flight = executing in a worker process; the result's
			// trip back to the runner is latency, not execution.
			e = s + rec.inner[i]
		}
		starts, ends = append(starts, s), append(ends, e)
	}
	r.ObserveInflight(peakOverlap(starts, ends))
	r.ObserveCPU(peakOverlap(splitIntervals(rec.cpu)))
	return nil
}

// Model runs trials and prepares them before the clock starts.
var (
	_ models.Model    = (*Model)(nil)
	_ models.Preparer = (*Model)(nil)
)

// handshake sends the trial to the runner as runner (its model name on
// the wire) while waiting, within startTimeout, for its "ready" line
// naming its own PID; it returns the first error of either.
func (m *Model) handshake(ctx context.Context, runner string, conc, workers int, tr *models.Trial) error {
	werr := make(chan error, 1)
	go func() {
		err := writeTrial(m.stdin, runner, conc, workers, tr)
		if err != nil {
			err = m.errorf("send the trial: %w", err)
		}
		werr <- err
	}()
	err := m.watch(ctx, startTimeout, func() error {
		kind, body, err := m.line()
		if err != nil {
			return err
		}
		if kind != "ready" {
			return m.garbage(kind, body)
		}
		if err := json.Unmarshal(body, &m.ready); err != nil || m.ready.PID != m.cmd.Process.Pid {
			return m.garbage(kind, body)
		}
		return nil
	})
	if err == nil {
		err = <-werr
	}
	return err
}
