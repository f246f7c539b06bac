package resultfmt

import "time"

// Dist summarises a distribution of durations, in milliseconds.
type Dist struct {
	Min  float64 `json:"min_ms"`
	Mean float64 `json:"mean_ms"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

// Sample is one point of a trial's timeline.
type Sample struct {
	// T is ms since the trial start.
	T float64 `json:"t_ms"`
	// Cores is CPU used over the last period, in cores (process tree).
	Cores float64 `json:"cores"`
	// RSS is the summed resident memory of the process tree, bytes.
	RSS int64 `json:"rss_bytes"`
	// Inflight is tasks executing at the sample time (0 when the trial
	// was sampled from outside, by its parent process).
	Inflight int64 `json:"inflight"`
}

// Point is one task of a trial's per-task series.
type Point struct {
	Task     uint32  `json:"task"`
	Arrive   float64 `json:"arrive_ms"`
	Latency  float64 `json:"latency_ms"`
	Blocking bool    `json:"blocking,omitempty"`
}

// Runtime holds Go runtime/metrics figures over the trial window.
type Runtime struct {
	// SchedP50/P99 are goroutine scheduling latencies (runnable -> running), ms.
	SchedP50 float64 `json:"sched_p50_ms"`
	SchedP99 float64 `json:"sched_p99_ms"`
	// GCCycles and GCPauseP99/GCPauseTotal describe stop-the-world pauses.
	GCCycles     uint64  `json:"gc_cycles"`
	GCPauseP99   float64 `json:"gc_pause_p99_ms"`
	GCPauseTotal float64 `json:"gc_pause_total_ms"`
	HeapPeak     uint64  `json:"heap_peak_bytes"`
}

// Result is one trial's measurements.
type Result struct {
	Spec Spec `json:"spec"`
	// Config is the model config after defaults (GOMAXPROCS, concurrency).
	Config Config `json:"resolved"`
	Shape  string `json:"shape"`
	// Repeat is the repeat index; -1 marks the discarded warm-up.
	Repeat   int       `json:"repeat"`
	Isolated bool      `json:"isolated"`
	Started  time.Time `json:"started"`

	// StartUnixNano is the wall-clock time of the trial's time zero, and
	// Window the seconds from it until the model returned; a parent that
	// samples the trial from outside aligns its samples with them.
	StartUnixNano int64   `json:"start_unix_ns"`
	Window        float64 `json:"window_s"`
	// Cost is the trial's time outside its window, by part; Noise what
	// the rest of the machine did during the window.
	Cost  *Cost  `json:"cost,omitempty"`
	Noise *Noise `json:"noise,omitempty"`

	Tasks      int     `json:"tasks"`
	Completed  int64   `json:"completed"`
	Verified   int     `json:"verified"`
	Makespan   float64 `json:"makespan_s"`
	Throughput float64 `json:"throughput_per_s"`

	Latency Dist `json:"latency"`
	Wait    Dist `json:"wait"`
	Service Dist `json:"service"`
	// Inner is service time measured inside worker processes (multiproc).
	Inner *Dist `json:"inner,omitempty"`
	// HDR is the latency histogram in ns (1 ns .. 1 h, 3 significant
	// digits) in HdrHistogram V2 base64, for merging trials. Schema 1
	// recorded whole µs; ReadFile converts those.
	HDR string `json:"hdr_ns"`

	PeakInflight int64 `json:"peak_inflight"`
	PeakCPUSteps int64 `json:"peak_cpu_steps"`

	// CPUUser and CPUSys are the CPU seconds the trial process and its
	// registered child processes (multiproc workers) used inside the trial
	// window; CPUCores is their sum over the window, TasksPerCPU tasks
	// completed per CPU second. See CPUUnresolved before showing them.
	CPUUser     float64 `json:"cpu_user_s"`
	CPUSys      float64 `json:"cpu_sys_s"`
	CPUCores    float64 `json:"cpu_cores"`
	TasksPerCPU float64 `json:"tasks_per_cpu_s"`
	// CPUUnresolved, when not empty, says why the window was too short
	// for the CPU clocks (bench.MinCPUWindow, 50 x CPUResolution): the CPU
	// figures above are kept for inspection, but tables and charts show
	// "–" for them.
	CPUUnresolved string `json:"cpu_unresolved,omitempty"`
	// CPUResolution is the coarsest resolution of the CPU sources the
	// trial's figures came from, in seconds.
	CPUResolution float64 `json:"cpu_resolution_s,omitempty"`
	// StartupCPU is the CPU seconds the model's child processes spent
	// before the window (multiproc workers' start-up), kept out of
	// CPUUser and CPUSys.
	StartupCPU float64 `json:"startup_cpu_s,omitempty"`
	// HarnessCPU is the sampler thread's CPU seconds, already subtracted
	// from CPUUser and CPUSys.
	HarnessCPU float64 `json:"harness_cpu_s"`
	// ServerCPU is the latency server's CPU seconds (kept apart).
	ServerCPU float64 `json:"server_cpu_s,omitempty"`
	// ServerRequests is how many requests the latency server answered.
	ServerRequests int64 `json:"server_requests,omitempty"`

	// BaseRSS is the process tree's RSS just before time zero: the task
	// list, the per-task result slots (written once before it is read)
	// and the model's set-up included.
	BaseRSS int64 `json:"base_rss_bytes"`
	// PeakRSS is the highest RSS sampled in the trial window.
	PeakRSS int64 `json:"peak_rss_bytes"`
	// Plateau is the span when the most tasks were in flight at once
	// (PlateauInflight of them, from the per-task start and end times),
	// in ms since time zero; PlateauRSS is the highest RSS sampled inside
	// it and PlateauSamples how many samples fell inside (1 for a plateau
	// shorter than the sampling period: the first sample after it, before
	// the last task ended).
	PlateauFrom     float64 `json:"plateau_from_ms"`
	PlateauTo       float64 `json:"plateau_to_ms"`
	PlateauInflight int64   `json:"plateau_inflight"`
	PlateauRSS      int64   `json:"plateau_rss_bytes"`
	PlateauSamples  int     `json:"plateau_samples"`
	// MemPerInflight is (PlateauRSS - BaseRSS) / PlateauInflight, bytes:
	// the memory each in-flight task holds while all of them are in
	// flight. It is 0 when no sample fell on the plateau (see
	// PlateauSamples): too short a plateau to measure, not zero memory.
	MemPerInflight float64 `json:"mem_per_inflight_bytes"`
	// HarnessMemPerTask is the harness's own memory per task, bytes, by
	// its accounting: the task value and the recorder's slots (and under a
	// closed load the release ledger), all resident before BaseRSS is
	// read, so MemPerInflight is the model's own memory.
	HarnessMemPerTask float64 `json:"harness_mem_per_task_bytes,omitempty"`
	// Workers is how many worker processes (a runtime's runner and its
	// pool) ran tasks beside the trial process: part of the model's
	// parallelism bound.
	Workers int `json:"workers,omitempty"`
	// BytesRead is what the process tree's read calls returned inside the
	// window (/proc/PID/io rchar), bytes.
	BytesRead int64 `json:"bytes_read,omitempty"`
	// ChildMaxRSS is the trial child process's own peak resident set
	// (VmHWM, read by the child as the trial ends; isolated runs only),
	// workers not included: PeakRSS sums the process tree.
	ChildMaxRSS int64 `json:"child_maxrss_bytes,omitempty"`

	CtxVoluntary   int64 `json:"ctx_voluntary"`
	CtxInvoluntary int64 `json:"ctx_involuntary"`
	Threads        int   `json:"threads_peak"`

	Runtime Runtime `json:"runtime"`
	// RuntimeVersion names the interpreter of a model in another runtime
	// (Python, Node.js) and its version, e.g. "CPython 3.11.7
	// (/usr/bin/python3)"; empty for Go models (see Meta.GoVersion).
	RuntimeVersion string `json:"runtime_version,omitempty"`

	Timeline   []Sample           `json:"timeline,omitempty"`
	Series     []Point            `json:"series,omitempty"`
	WorkerPIDs []int              `json:"worker_pids,omitempty"`
	Extra      map[string]float64 `json:"extra,omitempty"`
	// Invariants are the checks made after the trial (see Check).
	Invariants []Check `json:"invariants,omitempty"`
	Error      string  `json:"error,omitempty"`
}
