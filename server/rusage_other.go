//go:build !linux

package server

import "os"

// maxRSS is unknown where rusage units differ; it returns 0.
func maxRSS(ps *os.ProcessState) int64 { return 0 }
