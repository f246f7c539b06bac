//go:build linux

package threads

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// headroom is left to the rest of the machine (other processes' threads)
// out of the kernel's limits; budgetCap bounds the budget so a machine with
// huge limits does not invite a million threads by default.
const (
	headroom  = 2048
	budgetCap = 30000
)

var budget = sync.OnceValues(readBudget)

type limits struct {
	nproc, threadsMax, pidMax uint64
}

// Budget is the most threads (tasks) the model may hold at once on this
// machine: the smallest of RLIMIT_NPROC (soft), kernel.threads-max and
// kernel.pid_max, less a headroom of 2048 for the rest of the machine, at
// most 30000; 0 when the limits cannot be read.
func Budget() int {
	l, err := budget()
	if err != nil {
		return 0
	}
	m := min(l.nproc, l.threadsMax, l.pidMax)
	if m <= headroom {
		return 0
	}
	return int(min(m-headroom, budgetCap))
}

// BudgetDoc says where the budget comes from, for error messages.
func BudgetDoc() string {
	l, err := budget()
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("min of RLIMIT_NPROC %d, kernel.threads-max %d, kernel.pid_max %d, less %d headroom, at most %d",
		l.nproc, l.threadsMax, l.pidMax, headroom, budgetCap)
}

func budgetErr() error {
	if _, err := budget(); err != nil {
		return err
	}
	return fmt.Errorf("no thread budget on this machine (%s)", BudgetDoc())
}

func readBudget() (limits, error) {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NPROC, &rl); err != nil {
		return limits{}, os.NewSyscallError("getrlimit RLIMIT_NPROC", err)
	}
	tm, err := readUint("/proc/sys/kernel/threads-max")
	if err != nil {
		return limits{}, err
	}
	pm, err := readUint("/proc/sys/kernel/pid_max")
	if err != nil {
		return limits{}, err
	}
	return limits{nproc: rl.Cur, threadsMax: tm, pidMax: pm}, nil
}

func readUint(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("thread budget: %w", err)
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("thread budget: %s: %w", path, err)
	}
	return v, nil
}
