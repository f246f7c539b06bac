package workload

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Env locates the outside resources of a trial's I/O steps. The zero Env
// runs Noop, Sleep, CPU and Block steps; Net steps need ServerAddr and File
// steps need Files.
type Env struct {
	// ServerAddr is host:port of the loopback latency server.
	ServerAddr string `json:"server_addr,omitempty"`
	// Files are the paths of the trial's data files (FileIndex picks one).
	Files []string `json:"files,omitempty"`
	// Direct asks for O_DIRECT reads (cold cache) where the file system allows.
	Direct bool `json:"direct,omitempty"`
	// Conns overrides the size of a model's keep-alive connection pool
	// (0: tied to the model's concurrency).
	Conns int `json:"conns,omitempty"`
	// StepTimeout bounds one Net step (0: DefaultStepTimeout).
	StepTimeout time.Duration `json:"step_timeout_ns,omitempty"`
}

// DefaultStepTimeout bounds an I/O step when Env.StepTimeout is zero.
const DefaultStepTimeout = 30 * time.Second

// Timeout is the bound of one Net step every client applies: StepTimeout,
// or DefaultStepTimeout when it is not set.
func (e Env) Timeout() time.Duration {
	if e.StepTimeout > 0 {
		return e.StepTimeout
	}
	return DefaultStepTimeout
}

// ErrNoServer is returned by a Net step when the trial has no latency server.
var ErrNoServer = errors.New("net step needs the latency server, but the trial has none")

// ErrNoFiles is returned by a File step when the trial has no data files.
var ErrNoFiles = errors.New("file step needs data files, but the trial has none")

// Exec runs steps with blocking calls, as the sequential, goroutine, pool
// and multi-process models do. It is safe for concurrent use; it owns a
// keep-alive connection pool and the open data files, released by Close.
type Exec struct {
	env Env
	io  *blockingIO
}

// NewExec returns an executor for env whose connection pool holds up to
// conns idle keep-alive connections (env.Conns, when set, wins).
func NewExec(env Env, conns int) (*Exec, error) {
	if env.Conns > 0 {
		conns = env.Conns
	}
	bio, err := newBlockingIO(env, max(conns, 1))
	if err != nil {
		return nil, err
	}
	return &Exec{env: env, io: bio}, nil
}

// Close releases connections and files.
func (e *Exec) Close() error {
	if e == nil || e.io == nil {
		return nil
	}
	return e.io.close()
}

// Step runs step k of task t to completion on the calling goroutine and
// returns its output, the step's proof (see StepOutput) in a trial with
// nonce (models.Trial.Nonce, known from time zero). CPU and Block steps
// run inline.
func (e *Exec) Step(ctx context.Context, t Task, k int, nonce uint64) (uint64, error) {
	s := t.Steps[k]
	switch s.Kind {
	case Noop:
		return 0, nil
	case Sleep:
		if err := sleepCtx(ctx, s.Dur); err != nil {
			return 0, err
		}
		return 0, nil
	case CPU:
		return RunCPU(s.Kernel, s.Units, CPUSeed(t.ID, nonce)), nil
	case Block:
		BlockThread(s.Dur)
		return 0, nil
	case Net:
		return e.io.net(ctx, s, NetSeed(t.ID, k))
	case File:
		return e.io.file(t, s, nonce)
	}
	return 0, fmt.Errorf("unknown step kind %v", s.Kind)
}

// shortSleep is the longest Sleep step that ignores cancellation.
//
// Note: a thousand goroutines each selecting on the trial's one ctx.Done
// channel contend on that channel's lock when they park and wake; measured
// here it added ~40% to goroutine latency and doubled CPU per task on
// io-sleep, an artifact of the harness rather than of goroutines. Short
// sleeps therefore use time.Sleep (cancellation waits at most this long);
// longer ones still select on ctx so Ctrl-C and failures stop promptly.
const shortSleep = 100 * time.Millisecond

// sleepCtx sleeps d unless ctx ends first (see shortSleep).
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= shortSleep || ctx.Done() == nil {
		time.Sleep(d)
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
