//go:build linux

package bench

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"concbench/internal/child"
	"concbench/internal/proctree"
	"concbench/server"
)

// usage is a snapshot of CPU seconds and context switches.
type usage struct {
	user, sys    float64
	nvcsw, nivcs int64
	maxrss       int64 // bytes
}

func tv(t unix.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// readUsage returns getrusage(who).
func readUsage(who int) usage {
	var ru unix.Rusage
	if err := unix.Getrusage(who, &ru); err != nil {
		return usage{}
	}
	return usage{user: tv(ru.Utime), sys: tv(ru.Stime), nvcsw: ru.Nvcsw, nivcs: ru.Nivcsw, maxrss: ru.Maxrss * 1024}
}

// selfUsage and childUsage read this process's and its reaped children's usage.
func selfUsage() usage  { return readUsage(unix.RUSAGE_SELF) }
func childUsage() usage { return readUsage(unix.RUSAGE_CHILDREN) }

// threadUsage reads the calling OS thread's usage.
func threadUsage() usage { return readUsage(unix.RUSAGE_THREAD) }

var pageSize = int64(os.Getpagesize())

// rssOf returns the resident set of pid (0 = self) in bytes, 0 if gone.
func rssOf(pid int) int64 {
	path := "/proc/self/statm"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/statm"
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return pages * pageSize
}

// cpuOf returns the CPU seconds pid has used so far, 0 once it is reaped.
func cpuOf(pid int) float64 {
	v, _, _ := pidCPU(pid)
	return v
}

// pidCPU returns the CPU seconds process pid has used so far, all its
// threads together (exited ones included), with the reading's resolution
// in seconds; ok is false once the process is reaped. It reads the
// process's CPU clock (clock_gettime on the clock id Linux derives from
// the pid: ns, one syscall, and still readable while the process is a
// zombie), falling back to utime + stime from /proc/PID/stat, in
// USER_HZ ticks of 10 ms.
func pidCPU(pid int) (sec, res float64, ok bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(processCPUClock(pid), &ts); err == nil {
		return float64(ts.Nano()) / 1e9, rusageResolution, true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is the first, utime the 12th and stime the 13th.
	i := bytes.LastIndexByte(b, ')')
	f := bytes.Fields(b[i+1:])
	if i < 0 || len(f) < 13 {
		return 0, 0, false
	}
	ut, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	st, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return float64(ut+st) / userHZ, 1 / userHZ, true
}

// userHZ is the unit of /proc/PID/stat times: USER_HZ, 100 on Linux.
const userHZ = 100

// processCPUClock returns the clock id of pid's process CPU clock, as
// glibc's clock_getcpuclockid makes it: MAKE_PROCESS_CPUCLOCK(pid,
// CPUCLOCK_SCHED) in the kernel's posix-cpu-timers.
func processCPUClock(pid int) int32 {
	const cpuclockSched = 2
	return int32(^pid<<3 | cpuclockSched)
}

// selfHWM returns this process's peak resident set (VmHWM) in bytes, 0 if
// unknown.
func selfHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			f := bytes.Fields(v)
			if len(f) == 0 {
				return 0
			}
			kb, _ := strconv.ParseInt(string(f[0]), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// procFile is a /proc file kept open and re-read with pread, so sampling
// it costs one syscall instead of open, read and close.
type procFile struct {
	f   *os.File
	buf [128]byte
}

func openSelfStatm() *procFile {
	f, err := os.Open("/proc/self/statm")
	if err != nil {
		return nil
	}
	return &procFile{f: f}
}

// rss returns the resident set in bytes from a statm file, 0 on error.
func (p *procFile) rss() int64 {
	if p == nil {
		return 0
	}
	n, err := p.f.ReadAt(p.buf[:], 0)
	if n == 0 && err != nil {
		return 0
	}
	f := bytes.Fields(p.buf[:n])
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(string(f[1]), 10, 64)
	return pages * pageSize
}

func (p *procFile) close() {
	if p != nil {
		p.f.Close()
	}
}

// fdCount returns this process's open file descriptors.
func fdCount() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// taskCount returns the number of threads of pid.
func taskCount(pid int) int {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return 0
	}
	return len(ents)
}

// serverRoleEnv is the environment entry that marks a latency-server
// process, NUL-terminated as in /proc/PID/environ.
var serverRoleEnv = []byte(child.EnvRole + "=" + server.Role + "\x00")

// processTree returns pid and its descendants, leaving out (and
// remembering in skip) latency-server processes, whose CPU is reported
// apart from the model's.
func processTree(pid int, skip map[int]bool) []int {
	return proctree.Tree(pid, func(c int) bool {
		if _, known := skip[c]; !known {
			env, _ := os.ReadFile("/proc/" + strconv.Itoa(c) + "/environ")
			skip[c] = bytes.Contains(env, serverRoleEnv)
		}
		return !skip[c]
	})
}
