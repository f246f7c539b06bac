//go:build linux

package bench

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
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

// cpuOf returns the user+sys CPU seconds of a live pid from /proc (10 ms
// resolution), 0 if gone.
func cpuOf(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command name; utime and stime are
	// fields 14 and 15 of the whole line.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(string(f[11]), 10, 64)
	st, _ := strconv.ParseInt(string(f[12]), 10, 64)
	return float64(ut+st) / clockTicks
}

// threadCount returns this process's OS threads.
func threadCount() int {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0
	}
	return len(ents)
}

// fdCount returns this process's open file descriptors.
func fdCount() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}
