//go:build !linux

package workload

import "time"

// BlockThread stands in for nanosleep(2) where x/sys/unix lacks it.
func BlockThread(d time.Duration) { time.Sleep(d) }
