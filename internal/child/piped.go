package child

import (
	"fmt"
	"io"
	"os/exec"
	"time"

	"concbench/internal/tailbuf"
)

// Piped is a started child role talking over its stdin and stdout, with
// the tail of its stderr kept for error messages.
type Piped struct {
	Cmd    *exec.Cmd
	Stdin  io.WriteCloser
	Stdout io.ReadCloser
	Stderr *tailbuf.Tail
}

// StartPiped starts cmd (from Command) with pipes on stdin and stdout, its
// stderr's tail kept, and Wait bounded to 5 s after the child exits (a
// grandchild holding the pipes cannot hang the caller). what names the
// child in the start error.
func StartPiped(cmd *exec.Cmd, what string) (*Piped, error) {
	p := &Piped{Cmd: cmd, Stderr: &tailbuf.Tail{}}
	cmd.Stderr = p.Stderr
	cmd.WaitDelay = 5 * time.Second
	var err error
	if p.Stdin, err = cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("%s: stdin: %w", what, err)
	}
	if p.Stdout, err = cmd.StdoutPipe(); err != nil {
		return nil, fmt.Errorf("%s: stdout: %w", what, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", what, err)
	}
	return p, nil
}
