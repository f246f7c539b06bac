//go:build !linux

package models

// Gettid returns 0 where thread ids are not available.
func Gettid() int32 { return 0 }

// monotonic returns 0: no CLOCK_MONOTONIC reading shared with other
// processes here.
func monotonic() int64 { return 0 }
