//go:build !linux

package bench

import "time"

// readChars is unavailable without /proc: the bytes-read invariant is not
// checked.
func readChars(pid int) (int64, bool) { return 0, false }

// threadCPU is the wall clock without a thread CPU clock: a probe's cost
// then includes any preemption, which only raises the floor's safety.
func threadCPU() time.Duration { return time.Duration(time.Now().UnixNano()) }
