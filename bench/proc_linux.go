//go:build linux

package bench

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"concbench/internal/child"
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

// cpuOf returns the CPU seconds a live pid has used so far: the sum of
// its threads' run time from /proc/PID/task/*/schedstat (ns precision, so
// a timeline of worker processes does not jump by whole 10 ms ticks). It
// returns 0 if the process is gone.
func cpuOf(pid int) float64 {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	var ns int64
	for _, e := range ents {
		b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat")
		if err != nil {
			continue
		}
		if f := bytes.Fields(b); len(f) > 0 {
			v, _ := strconv.ParseInt(string(f[0]), 10, 64)
			ns += v
		}
	}
	return float64(ns) / 1e9
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
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		dir := "/proc/" + strconv.Itoa(out[i]) + "/task"
		tids, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, t := range tids {
			b, err := os.ReadFile(dir + "/" + t.Name() + "/children")
			if err != nil {
				continue
			}
			for _, f := range bytes.Fields(b) {
				c, err := strconv.Atoi(string(f))
				if err != nil {
					continue
				}
				if _, known := skip[c]; !known {
					env, _ := os.ReadFile("/proc/" + string(f) + "/environ")
					skip[c] = bytes.Contains(env, serverRoleEnv)
				}
				if !skip[c] {
					out = append(out, c)
				}
			}
		}
	}
	return out
}
