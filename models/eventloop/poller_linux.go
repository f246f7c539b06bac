//go:build linux

package eventloop

import (
	"encoding/binary"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// poller is an epoll instance. Each registered fd carries its callback in
// the event's data: arg in Fd and op in Pad, so readiness maps straight to
// a ready-queue entry without a lookup table.
type poller struct {
	fd int
}

func newPoller() (poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return poller{fd: -1}, os.NewSyscallError("epoll_create1", err)
	}
	return poller{fd: fd}, nil
}

// add registers fd for events; readiness queues the callback (o, arg).
func (p poller) add(fd int, events uint32, o op, arg int32) error {
	ev := unix.EpollEvent{Events: events, Fd: arg, Pad: int32(o)}
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl add", err)
	}
	return nil
}

// modify changes the events and callback of a registered fd.
func (p poller) modify(fd int, events uint32, o op, arg int32) error {
	ev := unix.EpollEvent{Events: events, Fd: arg, Pad: int32(o)}
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		return os.NewSyscallError("epoll_ctl mod", err)
	}
	return nil
}

// remove unregisters fd.
func (p poller) remove(fd int) error {
	if err := unix.EpollCtl(p.fd, unix.EPOLL_CTL_DEL, fd, nil); err != nil {
		return os.NewSyscallError("epoll_ctl del", err)
	}
	return nil
}

// wait fills evs with ready fds, blocking up to msec (-1: until one is
// ready). An interrupted wait returns 0 events and no error.
func (p poller) wait(evs []unix.EpollEvent, msec int) (int, error) {
	n, err := unix.EpollWait(p.fd, evs, msec)
	if err == unix.EINTR {
		return 0, nil
	}
	if err != nil {
		return 0, os.NewSyscallError("epoll_wait", err)
	}
	return n, nil
}

func (p poller) close() error { return closeFD("epoll", p.fd) }

// newTimerFD returns a non-blocking CLOCK_MONOTONIC timerfd. Unlike the
// epoll_wait timeout (whole milliseconds, plus timer slack) it fires with
// nanosecond resolution.
func newTimerFD() (int, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return -1, os.NewSyscallError("timerfd_create", err)
	}
	return fd, nil
}

// armTimerFD makes fd fire once after d (d > 0).
func armTimerFD(fd int, d time.Duration) error {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(fd, 0, &spec, nil); err != nil {
		return os.NewSyscallError("timerfd_settime", err)
	}
	return nil
}

// newEventFD returns a non-blocking eventfd for wake-ups.
func newEventFD() (int, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return -1, os.NewSyscallError("eventfd", err)
	}
	return fd, nil
}

// eventOne is the 8-byte counter increment written to an eventfd. It is
// only ever read (by the kernel), so every thread may share it.
var eventOne = func() (b [8]byte) {
	binary.NativeEndian.PutUint64(b[:], 1)
	return
}()

// signalFD adds 1 to an eventfd's counter.
func signalFD(fd int) error {
	if _, err := unix.Write(fd, eventOne[:]); err != nil && err != unix.EAGAIN {
		return os.NewSyscallError("write eventfd", err)
	}
	return nil
}

// drainFD reads and discards a timerfd's or eventfd's 8-byte counter.
func drainFD(fd int, buf *[8]byte) error {
	if _, err := unix.Read(fd, buf[:]); err != nil && err != unix.EAGAIN && err != unix.EINTR {
		return os.NewSyscallError("read", err)
	}
	return nil
}

func closeFD(what string, fd int) error {
	if fd < 0 {
		return nil
	}
	if err := unix.Close(fd); err != nil {
		return os.NewSyscallError("close "+what, err)
	}
	return nil
}
