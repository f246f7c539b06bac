//go:build !linux

package models

import "syscall"

// ReusePort does nothing off Linux (prefork servers are Linux-only).
func ReusePort(network, address string, c syscall.RawConn) error { return nil }
