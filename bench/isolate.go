package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"time"

	"concbench/internal/child"
	"concbench/internal/tailbuf"
	_ "concbench/models/all" // a trial child must know every model
	"concbench/workload"
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
	var spec Spec
	if err := json.NewDecoder(os.Stdin).Decode(&spec); err != nil {
		fmt.Fprintf(os.Stderr, "trial child: read spec: %v\n", err)
		return 2
	}
	// RunIsolated sent params it validated and filled: they are exact (a
	// zero Net delay stays zero), though JSON does not carry the mark.
	spec.Params.Exact = true
	ctx, stop := signal.NotifyContext(context.Background(), child.StopSignals...)
	defer stop()
	if dir := os.Getenv(envDataDir); dir != "" {
		ctx = withDataDir(ctx, dir) // the parent owns and removes it
	}
	res, err := Run(ctx, spec)
	if res != nil {
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

// RunIsolated runs one trial in a fresh child process of this binary (as
// JMH forks a JVM), so one model's heap, GC and threads never pollute
// another's. The CPU-use timeline and peak RSS are sampled from here, from
// outside the child, so no sampler wakes the measured runtime; the child
// reports its own peak RSS (see trialMain). If ctx ends the child is killed (its
// own children die with it via Pdeathsig).
func RunIsolated(ctx context.Context, spec Spec) (*Result, error) {
	if err := ValidateSpec(&spec); err != nil {
		return nil, err
	}
	spec.ExternalSampler = true
	in, err := json.Marshal(spec)
	if err != nil {
		return nil, fmt.Errorf("encode spec: %w", err)
	}
	// The child enforces spec.Timeout itself; this bound catches a child
	// that hangs anyway.
	hard := spec.Timeout + StopGrace + 5*time.Second
	ctx, cancel := context.WithTimeout(ctx, hard)
	defer cancel()
	var env []string
	if pr, _ := workload.Lookup(spec.Workload); pr.NeedsFiles {
		dir, err := makeDataDir()
		if err != nil {
			return nil, err
		}
		// Removed on every way out, after the child is gone (Wait).
		defer os.RemoveAll(dir)
		env = append(env, envDataDir+"="+dir)
	}
	cmd, err := child.Command(ctx, trialRole, env)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	errTail := &tailbuf.Tail{Max: 4096}
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = &out
	cmd.Stderr = errTail
	cmd.WaitDelay = 5 * time.Second
	var ext *external
	runErr := cmd.Start()
	if runErr == nil {
		ext = startExternal(cmd.Process.Pid, spec.Sample)
		runErr = cmd.Wait()
	}
	var points []extPoint
	if ext != nil {
		points = ext.finish()
	}

	var res Result
	decErr := json.Unmarshal(out.Bytes(), &res)
	if decErr == nil && ext != nil {
		ext.apply(&res, points)
	}
	switch {
	case ctx.Err() != nil && runErr != nil:
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("trial child for %s/%s did not finish within %v: killed", spec.Model, spec.Workload, hard)
		}
		return nil, fmt.Errorf("trial child for %s/%s: %w", spec.Model, spec.Workload, context.Cause(ctx))
	case runErr != nil && decErr == nil && res.Error != "":
		return &res, errors.New(res.Error)
	case runErr != nil:
		msg := errTail.LastLine()
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
