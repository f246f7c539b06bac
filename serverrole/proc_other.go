//go:build !linux

package serverrole

// cpuSelf is 0 off Linux.
func cpuSelf() float64 { return 0 }

type treeSample struct {
	pids    int
	cpu     float64
	rss     int64
	fds     int
	threads int
}

// sampleTree reads nothing off Linux: the server role's figures come from
// /proc.
func sampleTree(pid int) treeSample { return treeSample{} }

// boost does nothing off Linux.
func boost() error { return nil }

// fdLimit is not checked off Linux.
func fdLimit() uint64 { return 1 << 62 }

// canRaiseFDs is false off Linux (fdLimit is not checked there).
func canRaiseFDs() bool { return false }

// raiseFDs does nothing off Linux.
func raiseFDs(pid int, n uint64) error { return nil }
