package workload

import "time"

// Calibrate returns how many units of kernel k take about d on this
// machine, measured now (the answer depends on the CPU and its load).
func Calibrate(k Kernel, d time.Duration) uint32 {
	const probe = 200
	RunCPU(k, probe, 1) // warm up
	best := time.Duration(1<<63 - 1)
	for i := 0; i < 5; i++ {
		t := time.Now()
		RunCPU(k, probe, uint64(i))
		best = min(best, time.Since(t))
	}
	perUnit := float64(best) / probe
	u := float64(d) / perUnit
	return uint32(min(max(u, 1), 1<<30))
}
