package bench

import (
	"fmt"
	"os"
	"runtime"
	"time"

	"concbench/models"
	"concbench/models/multiproc"
	"concbench/resultfmt"
	"concbench/workload"
)

// limit is the allowed range of one integer setting, named as the user
// spells it (the CLI flag; suite files use the same names).
type limit struct {
	flag     string
	min, max int
	zero     string // what 0 means, when it means a default
}

// check returns an error naming the setting and its range when v is outside.
func (l limit) check(v int) error {
	if v >= l.min && v <= l.max {
		return nil
	}
	if l.zero != "" {
		return fmt.Errorf("--%s %d out of range (allowed %d..%d, 0 = %s)", l.flag, v, l.min, l.max, l.zero)
	}
	return fmt.Errorf("--%s %d out of range (allowed %d..%d)", l.flag, v, l.min, l.max)
}

// The range of every trial setting, defined once for ValidateSpec (flags)
// and Experiment.check (suite files).
var (
	limitConcurrency = limit{flag: "concurrency", max: 1_000_000, zero: "model default"}
	limitProcs       = limit{flag: "gomaxprocs", max: 4096, zero: "model default"}
	limitDepth       = limit{flag: "depth", max: multiproc.MaxDepth, zero: "default 1"}
	limitQueue       = limit{flag: "queue", max: 1 << 24, zero: "default"}
	limitThreads     = limit{flag: "threads", max: 1024, zero: "default 4"}
	limitSeries      = limit{flag: "series", max: 1_000_000}
)

// checkConfig checks every model setting of c against its limit.
func checkConfig(c resultfmt.Config) error {
	for _, x := range []struct {
		l limit
		v int
	}{{limitConcurrency, c.Concurrency}, {limitProcs, c.Procs}, {limitDepth, c.Depth}, {limitQueue, c.Queue}, {limitThreads, c.Threads}} {
		if err := x.l.check(x.v); err != nil {
			return err
		}
	}
	return nil
}

// MaxTimeout bounds a trial's --timeout (and a suite's timeout), so the
// harness's hard limit (timeout + grace) cannot overflow a Duration.
const MaxTimeout = 24 * time.Hour

// checkTimeout returns an error when d is outside 0..MaxTimeout (0 means
// DefaultTimeout).
func checkTimeout(d time.Duration) error {
	if d < 0 || d > MaxTimeout {
		return fmt.Errorf("--timeout %v out of range (allowed 0..%v, 0 = default %v)", d, MaxTimeout, DefaultTimeout)
	}
	return nil
}

// MaxProcesses is the most worker processes one trial may start without
// --force: a small multiple of the cores (at least 16, which the default
// suite's memory chart uses).
func MaxProcesses() int { return max(16, 8*runtime.NumCPU()) }

// CheckMachine checks that a validated spec fits this machine: a model of
// OS processes starts at most MaxProcesses (unless force), and the data
// files of a file workload fit the free space of the temporary directory.
// It runs before any trial starts; errors wrap ErrUsage and say what is
// allowed.
func CheckMachine(s Spec, force bool) error {
	info, err := models.Lookup(s.Model)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if conc := info.Resolve(models.Config(s.Config)).Concurrency; info.Processes && !force && conc > MaxProcesses() {
		return fmt.Errorf("%w: --concurrency %d: %s would start %d worker processes (allowed 1..%d on %d cores; --force to go beyond)",
			ErrUsage, conc, s.Model, conc, MaxProcesses(), runtime.NumCPU())
	}
	if pr, err := workload.Lookup(s.Workload); err == nil && pr.NeedsFiles {
		p := s.Params.Fill()
		need := int64(p.Files) * p.FileSize
		if free, ok := freeBytes(os.TempDir()); ok && need > free {
			return fmt.Errorf("%w: %s needs %d data files x %d bytes = %d MiB in %s, which has %d MiB free (lower --files or --file-size, or set TMPDIR)",
				ErrUsage, s.Workload, p.Files, p.FileSize, need>>20, os.TempDir(), free>>20)
		}
	}
	return nil
}
