//go:build linux

package workload

import "syscall"

// oDirect is the open flag for reads that bypass the page cache.
const oDirect = syscall.O_DIRECT
