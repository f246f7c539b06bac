package resultfmt

// Cost is what one trial cost outside its measurement window, in seconds,
// by part. The window itself is Result.Window; everything here is time the
// machine spent on the trial without measuring anything, which the suite's
// duty cycle (Duty) sums up.
type Cost struct {
	// ChildStart is from the parent starting the trial's child process
	// until the child's trial code ran (exec, Go runtime and package
	// initialisation); 0 in process. Part of it is hidden when the child
	// was started ahead, while the previous trial's results were recorded
	// (Ahead).
	ChildStart float64 `json:"child_start_s"`
	// Ahead is the part of ChildStart and Setup spent while the previous
	// trial was still tearing down or being recorded (overlapped, so it
	// cost no wall time of its own).
	Ahead float64 `json:"ahead_s,omitempty"`
	// Setup is from the trial code's start until the window opened; it
	// includes Server, Files and Prepare, not Waited.
	Setup float64 `json:"setup_s"`
	// Waited is how long a child started ahead waited at its ready point
	// for the previous trial to end.
	Waited float64 `json:"waited_s,omitempty"`
	// Server is the latency server's start (or, for a sweep's shared
	// server, its per-trial reset).
	Server float64 `json:"server_s,omitempty"`
	// Files is writing (or, for a sweep's shared data files, checking)
	// the data files.
	Files float64 `json:"files_s,omitempty"`
	// Prepare is the model's own start-up before the window (runner
	// interpreters for Python and Node.js, worker processes).
	Prepare float64 `json:"prepare_s,omitempty"`
	// Teardown is from the window's end until the result was encoded
	// (stopping runners and the server, checking the proofs).
	Teardown float64 `json:"teardown_s"`
	// Record is the parent's time after the child was reaped: decoding
	// the result, applying its samples, checkpointing results.json.
	Record float64 `json:"record_s"`
	// Total is the wall time the trial added to its sweep, less its
	// window: from the previous trial's end (or its own start, if later)
	// until it was recorded.
	Total float64 `json:"total_s"`
}

// Duty is a sweep's duty cycle: how much of its wall time was spent
// inside measurement windows.
type Duty struct {
	// Wall is the sweep's wall time from its first trial to its last, s.
	Wall float64 `json:"wall_s"`
	// Windows sums the measured trials' windows, s; WarmupWindows the
	// discarded warm-ups'.
	Windows       float64 `json:"windows_s"`
	WarmupWindows float64 `json:"warmup_windows_s"`
	// Trials counts every trial run (warm-ups included).
	Trials int `json:"trials"`
	// Ratio is Windows / Wall.
	Ratio float64 `json:"ratio"`
	// Cost sums the trials' costs by part (Cost.Total: all of it).
	Cost Cost `json:"cost"`
}

// Add accumulates c into the sum d.
func (d *Cost) Add(c Cost) {
	d.ChildStart += c.ChildStart
	d.Ahead += c.Ahead
	d.Setup += c.Setup
	d.Waited += c.Waited
	d.Server += c.Server
	d.Files += c.Files
	d.Prepare += c.Prepare
	d.Teardown += c.Teardown
	d.Record += c.Record
	d.Total += c.Total
}

// Noise is what the rest of the machine did during a trial's window, from
// the kernel's /proc/stat counters read at the window's edges.
type Noise struct {
	// Steal is the CPU time the hypervisor took from this VM's CPUs, in
	// cores (steal seconds / window).
	Steal float64 `json:"steal_cores"`
	// Other is the CPU other processes used, in cores: the machine's busy
	// time less the trial's own process tree and latency server.
	Other float64 `json:"other_cores"`
	// Busy marks a window where Steal+Other exceeded BusyCores.
	Busy bool `json:"busy,omitempty"`
}

// BusyCores is the steal plus other processes' CPU, in cores, above which
// a trial's window is marked busy: a quarter of a core taken from a
// two-core machine is enough to move a CPU-bound figure by more than the
// suite's CI target.
const BusyCores = 0.25

// costs checks a trial's cost and noise figures (every one a duration or
// a number of cores, none negative).
func (c *checker) costs(k *Cost, n *Noise) {
	if k != nil {
		for _, x := range []struct {
			n string
			v float64
		}{{"child_start_s", k.ChildStart}, {"ahead_s", k.Ahead}, {"setup_s", k.Setup}, {"waited_s", k.Waited}, {"server_s", k.Server},
			{"files_s", k.Files}, {"prepare_s", k.Prepare}, {"teardown_s", k.Teardown}, {"record_s", k.Record}, {"total_s", k.Total}} {
			c.num("cost."+x.n, x.v, nonNeg)
		}
	}
	if n != nil {
		c.num("noise.steal_cores", n.Steal, coreSpan)
		c.num("noise.other_cores", n.Other, coreSpan)
	}
}

// duty checks a file's duty cycle.
func (c *checker) duty(d *Duty) {
	if d == nil {
		return
	}
	c.where = "duty"
	c.num("wall_s", d.Wall, nonNeg)
	c.num("windows_s", d.Windows, nonNeg)
	c.num("warmup_windows_s", d.WarmupWindows, nonNeg)
	c.num("trials", float64(d.Trials), countMax)
	c.num("ratio", d.Ratio, bound{0, 1.5, false})
	c.costs(&d.Cost, nil)
}
