package main

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal of cols columns and returns its
// terminal side, as a shell's stdout is.
func openPTY(t *testing.T, cols uint16) *os.File {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	unlock := 0
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, ptm.Fd(), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatalf("unlockpt: %v", e)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	pts, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open the terminal side: %v", err)
	}
	t.Cleanup(func() { pts.Close() })
	if err := unix.IoctlSetWinsize(int(pts.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: 40}); err != nil {
		t.Fatalf("set the terminal's size: %v", err)
	}
	go func() { // drain what the CLI prints, so it never blocks
		b := make([]byte, 4096)
		for {
			if _, err := ptm.Read(b); err != nil {
				return
			}
		}
	}()
	return pts
}

// TestTermWidthOnATerminal: on a real (pseudo-)terminal the width comes
// from the terminal, through the CLI's stdout wrapper, whatever COLUMNS
// says; --wide and output that is not a terminal get every column.
func TestTermWidthOnATerminal(t *testing.T) {
	t.Setenv("COLUMNS", "")
	pts := openPTY(t, 100)
	if w := termWidth(&checkedWriter{w: pts}, false); w != 100 {
		t.Errorf("termWidth on a 100-column terminal (through checkedWriter) = %d", w)
	}
	if w := termWidth(pts, true); w != 0 {
		t.Errorf("termWidth with --wide = %d, want 0 (every column)", w)
	}
	if w := termWidth(&checkedWriter{w: &bytes.Buffer{}}, false); w != 0 {
		t.Errorf("termWidth of a buffer = %d, want 0 (every column)", w)
	}
	t.Setenv("COLUMNS", "250")
	if w := termWidth(pts, false); w != 100 {
		t.Errorf("COLUMNS overrode the terminal's own width: %d", w)
	}
	if !strings.Contains(pts.Name(), "/dev/pts/") {
		t.Errorf("not a pty: %s", pts.Name())
	}
}
