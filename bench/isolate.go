package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"concbench/internal/child"
	_ "concbench/models/all" // a trial child must know every model
)

// trialRole is the child role that runs one trial: a Spec as JSON on stdin,
// the Result as JSON on stdout.
const trialRole = "trial"

func init() { child.Register(trialRole, trialMain) }

// trialMain is the body of a trial child process. Exit status: 0 success,
// 1 the trial failed (the Result on stdout carries Error), 2 bad spec.
//
// Note: the child's peak RSS is its own VmHWM, read here as the trial
// ends, not wait4's ru_maxrss: at exec Linux keeps the high-water RSS of
// the address space being replaced in ru_maxrss, and os/exec starts
// children with vfork, so that address space is the parent's: a parent
// that had touched 300 MB made a 10-task trial report 308.9 MiB. VmHWM belongs to the child's own address space, made
// at exec. Workers' peaks are not added: PeakRSS samples the whole tree.
func trialMain() int {
	entered := time.Now()
	window := os.NewFile(3, "window-closed")
	if window != nil {
		syscall.CloseOnExec(3) // not for the latency server or the workers
	}
	dec := json.NewDecoder(os.Stdin)
	var spec Spec
	if err := dec.Decode(&spec); err != nil {
		fmt.Fprintf(os.Stderr, "trial child: read spec: %v\n", err)
		return 2
	}
	// RunIsolated sent params it validated and filled: they are exact (a
	// zero Net delay stays zero), though JSON does not carry the mark.
	spec.Params.Exact = true
	ctx, stop := signal.NotifyContext(context.Background(), child.StopSignals...)
	defer stop()
	if dir := os.Getenv(envDataDir); dir != "" { // the parent owns and removes it
		var secret dataSecret
		ready := os.Getenv(envDataReady) != ""
		if ready {
			if err := dec.Decode(&secret); err != nil {
				fmt.Fprintf(os.Stderr, "trial child: read data key: %v\n", err)
				return 2
			}
		}
		ctx = withDataDir(ctx, dir, ready, secret.Key)
	}
	ctx = withHooks(ctx, childHooks(io.MultiReader(dec.Buffered(), os.Stdin), window))
	res, err := Run(ctx, spec)
	if res != nil {
		spawned, _ := strconv.ParseInt(os.Getenv(envSpawned), 10, 64)
		costOutside(res, time.Unix(0, spawned), entered)
		res.Isolated = true
		res.ChildMaxRSS = selfHWM()
		if encErr := json.NewEncoder(os.Stdout).Encode(res); encErr != nil {
			fmt.Fprintf(os.Stderr, "trial child: write result: %v\n", encErr)
			return 1
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		if errors.Is(err, ErrUsage) {
			return 2
		}
		return 1
	}
	return 0
}

// dataSecret follows the spec on a trial child's stdin when the parent
// made the data files: their key, which the harness needs to check the
// File outputs and the model must not see.
type dataSecret struct {
	Key uint64 `json:"key"`
}

// childHooks are a trial child's side of the parent's go-ahead: at its
// ready point it waits for one byte on stdin (after the spec), and as its
// window closes it writes one byte to fd 3 (window), so the parent can
// start the next trial's child while this one tears down.
func childHooks(goAhead io.Reader, window *os.File) trialHooks {
	return trialHooks{
		ready: func() time.Duration {
			t0 := time.Now()
			var b [1]byte
			for b[0] != 'g' { // past any whitespace after the spec
				if _, err := io.ReadFull(goAhead, b[:]); err != nil {
					break // the parent is gone; Pdeathsig ends us
				}
			}
			return time.Since(t0)
		},
		closed: func() {
			if window != nil {
				_, _ = window.Write([]byte{1})
				window.Close()
			}
		},
	}
}

// envSpawned carries the wall time (Unix ns) at which the parent started
// a trial child, so the child can tell how long its own start took.
const envSpawned = "CONCBENCH_SPAWNED_NS"

// costOutside fills the parts of res.Cost measured around Run: the child's
// start (from spawned, zero time in process, to entered), the set-up
// (entered until the window opened) and the teardown (the window's end
// until now).
func costOutside(res *Result, spawned, entered time.Time) {
	if res.Cost == nil {
		res.Cost = &Cost{}
	}
	if spawned.UnixNano() > 0 && entered.After(spawned) {
		res.Cost.ChildStart = entered.Sub(spawned).Seconds()
	}
	if res.StartUnixNano == 0 {
		return // the window never opened
	}
	opened := time.Unix(0, res.StartUnixNano)
	res.Cost.Setup = max(0, opened.Sub(entered).Seconds()-res.Cost.Waited)
	res.Cost.Teardown = max(0, time.Since(opened).Seconds()-res.Window)
}

// RunIsolated runs one trial in a fresh child process of this binary (as
// JMH forks a JVM), so one model's heap, GC and threads never pollute
// another's. The CPU-use timeline and peak RSS are sampled from here, from
// outside the child, so no sampler wakes the measured runtime; the child
// reports its own peak RSS (see trialMain). If ctx ends the child is killed (its
// own children die with it via Pdeathsig).
func RunIsolated(ctx context.Context, spec Spec) (*Result, error) {
	c, err := startChild(ctx, spec, trialEnv{})
	if err != nil {
		return nil, err
	}
	c.goAhead()
	return c.wait()
}
