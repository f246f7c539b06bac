package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"concbench/internal/child"
	"concbench/internal/tailbuf"
	"concbench/workload"
)

// childTrial is a trial child process, started (perhaps ahead of its turn)
// and held at its ready point until goAhead.
type childTrial struct {
	spec    Spec
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	out     bytes.Buffer
	errTail *tailbuf.Tail
	ext     *external
	ownDir  string       // data directory made for this trial alone
	shared  sharedServer // the sweep's latency server, if the trial uses it

	ctx    context.Context
	cancel context.CancelCauseFunc
	hard   time.Duration
	timer  *time.Timer

	spawned, went time.Time
	closed        chan struct{} // the window closed, or the child exited
	exited        chan struct{}
	runErr        error
}

// errChildHung is the cause of killing a child that outlived its bound.
var errChildHung = errors.New("trial child hung")

// trialEnv is what a sweep shares with its trial children: a data set
// (zero: the child makes its own in a directory made for it) and a latency
// server (zero: the child spawns its own).
type trialEnv struct {
	data   dataSet
	server sharedServer
}

// startChild starts spec's trial child with te and sends it the spec, and
// the data set's key on stdin, never in its environment, which the model's
// processes inherit; the child prepares and then waits for goAhead.
func startChild(ctx context.Context, spec Spec, te trialEnv) (*childTrial, error) {
	ds := te.data
	if err := ValidateSpec(&spec); err != nil {
		return nil, err
	}
	spec.ExternalSampler = true
	in, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("encode spec: %w", err)
	}
	c := &childTrial{spec: spec, shared: te.server, errTail: &tailbuf.Tail{Max: 4096}, closed: make(chan struct{}), exited: make(chan struct{}),
		// The child enforces spec.Timeout itself; this bound, from
		// goAhead, catches a child that hangs anyway.
		hard: spec.Timeout + StopGrace + 5*time.Second}
	var env []string
	if e := te.server.env(); e != "" {
		env = append(env, e)
	}
	if pr, _ := workload.Lookup(spec.Workload); pr.NeedsFiles && ds.dir != "" {
		env = append(env, envDataDir+"="+ds.dir, envDataReady+"=1")
		secret, err := json.Marshal(dataSecret{Key: ds.key})
		if err != nil {
			return nil, fmt.Errorf("encode data key: %w", err)
		}
		in = append(in, secret...)
	} else if pr.NeedsFiles {
		if c.ownDir, err = makeDataDir(); err != nil {
			return nil, err
		}
		env = append(env, envDataDir+"="+c.ownDir)
	}
	c.ctx, c.cancel = context.WithCancelCause(ctx)
	c.spawned = time.Now()
	env = append(env, fmt.Sprintf("%s=%d", envSpawned, c.spawned.UnixNano()))
	if err := c.spawn(env, in); err != nil {
		c.cancel(err)
		c.removeDir()
		return nil, err
	}
	return c, nil
}

// spawn starts the process with the window pipe as its fd 3 and writes the
// spec to its stdin.
func (c *childTrial) spawn(env []string, spec []byte) error {
	cmd, err := child.Command(c.ctx, trialRole, env)
	if err != nil {
		return err
	}
	c.cmd = cmd
	if c.stdin, err = cmd.StdinPipe(); err != nil {
		return fmt.Errorf("trial child: %w", err)
	}
	cmd.Stdout = &c.out
	cmd.Stderr = c.errTail
	cmd.WaitDelay = 5 * time.Second
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("trial child: %w", err)
	}
	cmd.ExtraFiles = []*os.File{w}
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		return fmt.Errorf("trial child for %s/%s: %w", c.spec.Model, c.spec.Workload, err)
	}
	go func() {
		var b [1]byte
		_, _ = r.Read(b[:]) // a byte, or EOF when the child exits
		r.Close()
		close(c.closed)
	}()
	c.ext = startExternal(cmd.Process.Pid, c.spec.Sample)
	go func() {
		c.runErr = cmd.Wait()
		close(c.exited)
	}()
	_, _ = c.stdin.Write(spec) // a child that died early is reported by wait
	return nil
}

// goAhead lets the child open its window, and starts the bound on its run.
func (c *childTrial) goAhead() {
	c.went = time.Now()
	c.timer = time.AfterFunc(c.hard, func() { c.cancel(errChildHung) })
	_, _ = c.stdin.Write([]byte{'g'})
}

// abort kills a child that will not run (its cell was dropped, or the
// sweep ends) and reaps it.
func (c *childTrial) abort() {
	c.cancel(errors.New("trial child not needed"))
	<-c.exited
	c.ext.finish()
	c.removeDir()
}

func (c *childTrial) removeDir() {
	if c.ownDir != "" {
		os.RemoveAll(c.ownDir)
		c.ownDir = ""
	}
}

// wait reaps the child and returns its result, with the samples taken
// from outside applied.
func (c *childTrial) wait() (*Result, error) {
	<-c.exited
	reaped := time.Now()
	if c.timer != nil {
		c.timer.Stop()
	}
	points := c.ext.finish()
	defer c.cancel(nil)
	defer c.removeDir() // after the child is gone, however it ended
	spec, runErr := c.spec, c.runErr
	var res Result
	decErr := json.Unmarshal(c.out.Bytes(), &res)
	if decErr == nil {
		c.ext.apply(&res, points)
	}
	if decErr == nil && res.Cost != nil {
		res.Cost.Record = time.Since(reaped).Seconds()
		// Time before goAhead ran beside the previous trial.
		res.Cost.Ahead = min(c.went.Sub(c.spawned).Seconds(), res.Cost.ChildStart+res.Cost.Setup)
		res.Cost.Total = max(0, time.Since(c.went).Seconds()-res.Window)
	}
	switch {
	case c.ctx.Err() != nil && runErr != nil:
		if errors.Is(context.Cause(c.ctx), errChildHung) {
			return nil, fmt.Errorf("trial child for %s/%s did not finish within %v: killed", spec.Model, spec.Workload, c.hard)
		}
		return nil, fmt.Errorf("trial child for %s/%s: %w", spec.Model, spec.Workload, context.Cause(c.ctx))
	case runErr != nil && decErr == nil && res.Error != "":
		return &res, errors.New(res.Error)
	case runErr != nil:
		msg := c.errTail.LastLine()
		if msg == "" {
			msg = "no output"
		}
		if ee, ok := runErr.(*exec.ExitError); ok && ee.ExitCode() == 2 {
			return nil, fmt.Errorf("%w: %s", ErrUsage, msg)
		}
		return nil, fmt.Errorf("trial child for %s/%s failed (%v): %s", spec.Model, spec.Workload, runErr, msg)
	case decErr != nil:
		return nil, fmt.Errorf("trial child for %s/%s: unreadable result: %w", spec.Model, spec.Workload, decErr)
	}
	return &res, nil
}
