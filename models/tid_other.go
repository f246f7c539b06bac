//go:build !linux

package models

// Gettid returns 0 where thread ids are not available.
func Gettid() int32 { return 0 }
