//go:build linux

package serverrole

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"concbench/internal/proctree"
)

// cpuSelf is this process's CPU seconds (user + system).
func cpuSelf() float64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// genNice is the generator's nice value: on a machine shared with other
// work, a generator at the default priority waits for a core when its
// timers fire and falls behind its schedule; at -10 it runs at once, and
// its CPU use is small (it is measured and bounded by MaxGenCores).
const genNice = -10

// boost raises the priority of every thread of this process (Linux nice
// values are per thread; threads created later inherit their creator's).
// Without the privilege to do so it returns why, and the generator runs at
// the default priority.
func boost() error {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if err := unix.Setpriority(unix.PRIO_PROCESS, tid, genNice); err != nil {
			return fmt.Errorf("generator priority not raised (nice %d): %w", genNice, os.NewSyscallError("setpriority", err))
		}
	}
	return nil
}

// fdLimit is the hard RLIMIT_NOFILE: the Go runtime raises every
// process's soft limit to it at start, so it bounds the connections one
// process (the server, the generator) can hold.
func fdLimit() uint64 {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return rl.Max
}

// treeSample is one look at a process tree in /proc.
type treeSample struct {
	pids    int
	cpu     float64 // utime + stime of the live processes, s
	rss     int64
	fds     int
	threads int
}

var pageSize = int64(os.Getpagesize())

// sampleTree reads pid and its descendants from /proc.
func sampleTree(pid int) treeSample {
	var s treeSample
	for _, p := range proctree.Tree(pid, nil) {
		s.pids++
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat"); err == nil {
			// Fields after the command's closing parenthesis: state is
			// field 3, utime 14, stime 15, num_threads 20.
			if k := strings.LastIndexByte(string(b), ')'); k > 0 {
				f := strings.Fields(string(b[k+1:]))
				if len(f) > 17 {
					ut, _ := strconv.ParseFloat(f[11], 64)
					st, _ := strconv.ParseFloat(f[12], 64)
					s.cpu += (ut + st) / 100 // USER_HZ
					th, _ := strconv.Atoi(f[17])
					s.threads += th
				}
			}
		}
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/statm"); err == nil {
			if f := strings.Fields(string(b)); len(f) > 1 {
				r, _ := strconv.ParseInt(f[1], 10, 64)
				s.rss += r * pageSize
			}
		}
		if ents, err := os.ReadDir("/proc/" + strconv.Itoa(p) + "/fd"); err == nil {
			s.fds += len(ents)
		}
	}
	return s
}

// capSysResource is CAP_SYS_RESOURCE's bit in /proc/PID/status CapEff.
const capSysResource = 24

// canRaiseFDs reports whether this process may raise a hard
// RLIMIT_NOFILE (it holds CAP_SYS_RESOURCE, as root does).
func canRaiseFDs() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<capSysResource) != 0
		}
	}
	return false
}

// raiseFDs sets process pid's RLIMIT_NOFILE (soft and hard) to n when its
// hard limit is lower (prlimit(2) needs CAP_SYS_RESOURCE for that). It
// runs on the server and the generator right after they start, before
// they are sent their spec, so only they hold the raised limit; processes
// the server starts later (prefork workers) inherit it.
func raiseFDs(pid int, n uint64) error {
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
		return os.NewSyscallError("prlimit", err)
	}
	if old.Max >= n {
		return nil
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: n, Max: n}, nil); err != nil {
		return fmt.Errorf("raise RLIMIT_NOFILE of pid %d to %d: %w", pid, n, os.NewSyscallError("prlimit", err))
	}
	return nil
}
