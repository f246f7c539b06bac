//go:build !linux

package threads

import (
	"errors"
	"runtime"
)

// Budget is 0 off Linux: the thread budget is read from Linux's limits
// (RLIMIT_NPROC, /proc/sys/kernel), so the model is unavailable.
func Budget() int { return 0 }

// BudgetDoc says why there is no budget.
func BudgetDoc() string { return budgetErr().Error() }

func budgetErr() error {
	return errors.New("the thread budget is read from Linux's /proc/sys/kernel; not available on " + runtime.GOOS)
}
