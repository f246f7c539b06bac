//go:build linux

package child

import "syscall"

// sysProcAttr makes the child receive SIGKILL when its parent dies.
//
// Note: Linux sends Pdeathsig when the parent *thread* that forked exits.
// The Go runtime does not retire threads (unless a goroutine exits while
// locked to one), so in practice it fires when the process dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
