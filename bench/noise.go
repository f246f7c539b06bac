package bench

import (
	"os"
	"strconv"
	"strings"
	"time"

	"concbench/resultfmt"
)

// Noise is what the rest of the machine did during a trial's window
// (resultfmt.Noise).
type Noise = resultfmt.Noise

// Cost is what a trial cost outside its window (resultfmt.Cost).
type Cost = resultfmt.Cost

// machineStat is the machine-wide CPU time from the "cpu" line of
// /proc/stat, in clock ticks: busy (user, nice, system, irq, softirq; guest
// time is inside user) and steal (taken by the hypervisor).
type machineStat struct {
	busy, steal uint64
	ok          bool
}

// statHZ is the unit of /proc/stat: USER_HZ, 100 on every Linux
// architecture Go supports (the kernel exports it, whatever CONFIG_HZ).
const statHZ = 100

// readMachineStat reads /proc/stat; ok is false where there is none (not
// Linux), and the trial then carries no Noise.
func readMachineStat() machineStat {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineStat{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return machineStat{}
	}
	v := make([]uint64, 8)
	for i := range v {
		n, err := strconv.ParseUint(f[i+1], 10, 64)
		if err != nil {
			return machineStat{}
		}
		v[i] = n
	}
	// user nice system idle iowait irq softirq steal [guest guest_nice]
	return machineStat{busy: v[0] + v[1] + v[2] + v[5] + v[6], steal: v[7], ok: true}
}

// noiseOver is the noise of a window of length wall between the machine
// readings a and b: steal, and the busy CPU not accounted for by the
// trial's own CPU seconds (its process tree and its latency server), in
// cores. It is nil when either reading failed or the window is empty.
// The kernel counts in 10 ms ticks, so a short window's figures are
// coarse (one tick in a 200 ms window is 0.05 cores).
func noiseOver(a, b machineStat, wall time.Duration, ownCPU float64) *Noise {
	if !a.ok || !b.ok || wall <= 0 || b.busy < a.busy || b.steal < a.steal {
		return nil
	}
	sec := wall.Seconds()
	n := &Noise{
		Steal: float64(b.steal-a.steal) / statHZ / sec,
		Other: max(0, float64(b.busy-a.busy)/statHZ/sec-ownCPU/sec),
	}
	n.Busy = n.Steal+n.Other > resultfmt.BusyCores
	return n
}
