package bench

import (
	"context"
	"time"
)

// A sweep starts each trial's child process ahead, while the previous
// trial tears down and is recorded (README "How a trial is measured"): the
// child runs everything before its window (Go start-up, the task list, the
// latency server, the data files' check, the model's runner or workers)
// and then waits at its ready point until the parent has reaped the
// previous child and says go. No two windows overlap, and no window
// overlaps another trial's start-up: only set-up and teardown, which
// measure nothing, run side by side.

// trialHooks are called by Run at its ready point (after the model's
// Prepare, before the window's baseline is read) and as its window closes.
type trialHooks struct {
	// ready blocks until the trial may start its window and returns how
	// long it waited.
	ready func() time.Duration
	// closed reports that the window has closed.
	closed func()
}

type hooksKey struct{}

func withHooks(ctx context.Context, h trialHooks) context.Context {
	return context.WithValue(ctx, hooksKey{}, h)
}

// atReady blocks at the trial's ready point while its hooks say so, and
// returns how long it waited (0 without hooks).
func atReady(ctx context.Context) time.Duration {
	if h, ok := ctx.Value(hooksKey{}).(trialHooks); ok && h.ready != nil {
		return h.ready()
	}
	return 0
}

// atClose reports that the trial's window has closed.
func atClose(ctx context.Context) {
	if h, ok := ctx.Value(hooksKey{}).(trialHooks); ok && h.closed != nil {
		h.closed()
	}
}
