//go:build linux

package models

import "golang.org/x/sys/unix"

// Gettid returns the calling OS thread's id.
func Gettid() int32 { return int32(unix.Gettid()) }
