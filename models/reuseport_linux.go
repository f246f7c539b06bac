//go:build linux

package models

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// ReusePort is a net.ListenConfig Control that sets SO_REUSEPORT, so
// several processes can each listen on the same address and the kernel
// spreads connections over them (prefork servers).
func ReusePort(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = os.NewSyscallError("setsockopt SO_REUSEPORT", unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1))
	})
	if err != nil {
		return err
	}
	return serr
}
