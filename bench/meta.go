package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc.
const clockTicks = 100

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// CollectMeta reads the machine metadata and fingerprint. It takes about
// probe (a CPU-busy measurement of the rest of the machine).
func CollectMeta(probe time.Duration) Meta {
	m := Meta{
		Time:      time.Now().UTC(),
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
		Cores:     runtime.NumCPU(),
		Kernel:    readTrim("/proc/sys/kernel/osrelease"),
		Commit:    commit(),
		Governor:  readTrim("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
		CgroupCPU: readTrim("/sys/fs/cgroup/cpu.max"),
		CgroupMem: readTrim("/sys/fs/cgroup/memory.max"),
	}
	m.Hostname, _ = os.Hostname()
	m.Server = RemoteServer()
	m.CPUModel = cpuModel()
	if f := strings.Fields(readTrim("/proc/loadavg")); len(f) >= 3 {
		for i := 0; i < 3; i++ {
			m.LoadAvg[i], _ = strconv.ParseFloat(f[i], 64)
		}
	}
	m.OtherBusy = otherBusy(probe)
	m.Warnings = fingerprintWarnings(m)
	return m
}

func fingerprintWarnings(m Meta) []string {
	var w []string
	if m.Governor != "" && m.Governor != "performance" {
		w = append(w, fmt.Sprintf("CPU frequency governor is %q, not \"performance\": clock speed may vary during the run", m.Governor))
	}
	if f := strings.Fields(m.CgroupCPU); len(f) == 2 && f[0] != "max" {
		q, _ := strconv.ParseFloat(f[0], 64)
		p, _ := strconv.ParseFloat(f[1], 64)
		if p > 0 && q/p < float64(m.Cores) {
			w = append(w, fmt.Sprintf("cgroup CPU limit %.2f cores < %d visible cores: parallel models are throttled", q/p, m.Cores))
		}
	}
	if m.CgroupMem != "" && m.CgroupMem != "max" {
		w = append(w, "cgroup memory limit "+m.CgroupMem+" bytes")
	}
	if m.LoadAvg[0] > 0.5*float64(m.Cores) {
		w = append(w, fmt.Sprintf("load average %.2f at start on %d cores: the machine is busy", m.LoadAvg[0], m.Cores))
	}
	if m.Server != "" {
		w = append(w, fmt.Sprintf("Net steps used the latency server at %s on another host: their latencies include the network, and the server's CPU is not measured", m.Server))
	}
	if m.OtherBusy > 0.25 {
		w = append(w, fmt.Sprintf("other processes used %.2f cores during the pre-run probe: figures are noisy", m.OtherBusy))
	}
	return w
}

// otherBusy measures CPU used by everything but this process over d, in cores.
func otherBusy(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	busy0, ok0 := systemBusy()
	self0 := selfUsage()
	t0 := time.Now()
	time.Sleep(d)
	busy1, ok1 := systemBusy()
	self1 := selfUsage()
	if !ok0 || !ok1 {
		return 0
	}
	el := time.Since(t0).Seconds()
	self := (self1.user + self1.sys) - (self0.user + self0.sys)
	return max(0, (busy1-busy0-self)/el)
}

// systemBusy returns non-idle CPU seconds of the whole machine from /proc/stat.
func systemBusy() (float64, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return 0, false
	}
	var busy float64
	for i, s := range f[1:] {
		v, _ := strconv.ParseFloat(s, 64)
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		busy += v
	}
	return busy / clockTicks, true
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// commit is the VCS revision of the build, or of the working directory.
func commit() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && s.Value != "" {
				return s.Value
			}
		}
	}
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
