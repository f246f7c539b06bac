package resultfmt

import "time"

// Meta describes the machine and software a suite ran on, plus an
// environment fingerprint: Warnings say why figures may not be trustworthy.
type Meta struct {
	Time      time.Time  `json:"time"`
	GoVersion string     `json:"go_version"`
	OS        string     `json:"os"`
	Arch      string     `json:"arch"`
	CPUModel  string     `json:"cpu_model"`
	Cores     int        `json:"cores"`
	Kernel    string     `json:"kernel"`
	Commit    string     `json:"commit"`
	Hostname  string     `json:"hostname"`
	LoadAvg   [3]float64 `json:"loadavg"`
	Governor  string     `json:"cpu_governor,omitempty"`
	CgroupCPU string     `json:"cgroup_cpu_max,omitempty"`
	CgroupMem string     `json:"cgroup_memory_max,omitempty"`
	// OtherBusy is the CPU (in cores) that other processes used during a
	// short probe before the run.
	OtherBusy float64  `json:"other_busy_cores"`
	Warnings  []string `json:"warnings,omitempty"`
	// Server is the host:port of the latency server when Net steps used
	// one on another host (CONCBENCH_SERVER); empty when every trial ran
	// its own server on loopback.
	Server string `json:"server,omitempty"`
}
