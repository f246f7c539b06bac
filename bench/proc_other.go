//go:build !linux

package bench

type usage struct {
	user, sys    float64
	nvcsw, nivcs int64
	maxrss       int64
}

func selfUsage() usage      { return usage{} }
func childUsage() usage     { return usage{} }
func threadUsage() usage    { return usage{} }
func rssOf(pid int) int64   { return 0 }
func cpuOf(pid int) float64 { return 0 }
func selfHWM() int64        { return 0 }

func pidCPU(pid int) (sec, res float64, ok bool) { return 0, 0, false }
func fdCount() int                               { return -1 }

type procFile struct{}

func openSelfStatm() *procFile { return nil }
func (p *procFile) rss() int64 { return 0 }
func (p *procFile) close()     {}

func taskCount(pid int) int                        { return 0 }
func processTree(pid int, skip map[int]bool) []int { return []int{pid} }
