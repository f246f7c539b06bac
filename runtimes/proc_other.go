//go:build !linux

package runtimes

import (
	"errors"
	"syscall"
	"time"
)

// supported reports whether runtime models can run on this system.
func supported() error {
	return errors.New("the Python and Node models need Linux (Pdeathsig, process groups, CLOCK_MONOTONIC)")
}

func sysProcAttr() *syscall.SysProcAttr { return nil }

func killGroup(int) {}

var start = time.Now()

func monotonicNow() int64 { return int64(time.Since(start)) }

func inheritNofile() error { return nil }
