package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"concbench/internal/child"
	"concbench/internal/tailbuf"
)

// Role is the child role a spawned latency server runs in.
const Role = "latency-server"

func init() { child.Register(Role, roleMain) }

// roleMain is the spawned server process: flags from the command line,
// SIGTERM or SIGINT stops it gracefully.
func roleMain() int {
	opts, err := ParseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "concbench latency-server:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), child.StopSignals...)
	defer stop()
	if err := Run(ctx, opts, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "concbench latency-server:", err)
		return 1
	}
	return 0
}

// Timeouts of a spawned server.
const (
	// StartTimeout bounds how long Spawn waits for the address and /ready.
	StartTimeout = 10 * time.Second
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL.
	StopGrace = ShutdownGrace + 3*time.Second
)

// Usage is the resource use of a reaped server process, from wait4's
// rusage, so the server's CPU is reported apart from the model's.
type Usage struct {
	// UserSeconds and SysSeconds are the CPU time the process used.
	UserSeconds float64 `json:"user_s"`
	SysSeconds  float64 `json:"sys_s"`
	// MaxRSS is the peak resident set size in bytes (0 where unknown).
	MaxRSS int64 `json:"max_rss_bytes"`
	// Requests is how many /io requests it answered (from its exit report;
	// 0 if it did not exit cleanly).
	Requests int64 `json:"requests"`
}

// CPUSeconds is user plus system time.
func (u Usage) CPUSeconds() float64 { return u.UserSeconds + u.SysSeconds }

// Process is a latency server running as a child process.
type Process struct {
	cmd    *exec.Cmd
	addr   string
	stderr *tailbuf.Tail

	exited  chan struct{} // closed once the process is reaped
	waitErr error
	drained chan struct{} // closed once its stdout is at EOF
	served  int64         // parsed from the exit report

	stopOnce sync.Once
	usage    Usage
	stopErr  error
}

// Spawn starts a latency server with opts as a separate child process of
// this binary (it dies with its parent), waits until it has printed its
// address and answers /ready, and returns it. Stop it with Stop. If ctx
// ends first, the server is sent SIGTERM (SIGKILL after a grace period).
func Spawn(ctx context.Context, opts Options) (*Process, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	cmd, err := child.Command(ctx, Role, nil, opts.fill().Args()...)
	if err != nil {
		return nil, fmt.Errorf("spawn latency server: %w", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("spawn latency server: %w", err)
	}
	p := &Process{cmd: cmd, stderr: &tailbuf.Tail{Max: 2048}, exited: make(chan struct{}), drained: make(chan struct{})}
	cmd.Stdout = w
	cmd.Stderr = p.stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = StopGrace
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("spawn latency server: %w", err)
	}
	w.Close()
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	lines := make(chan string, 1)
	go p.readStdout(r, lines)

	timer := time.NewTimer(StartTimeout)
	defer timer.Stop()
	fail := func(format string, args ...any) (*Process, error) {
		p.kill()
		err := fmt.Errorf(format, args...)
		if msg := p.stderr.OneLine(); msg != "" {
			err = fmt.Errorf("%w; its stderr: %s", err, msg)
		}
		return nil, err
	}
	select {
	case line, ok := <-lines:
		if !ok {
			<-p.exited
			return fail("latency server exited before printing its address: %v", p.waitErr)
		}
		addr, found := strings.CutPrefix(line, "listening on ")
		if !found {
			return fail("latency server printed %q, want \"listening on HOST:PORT\"", line)
		}
		p.addr = addr
	case <-timer.C:
		return fail("latency server did not print its address within %v", StartTimeout)
	case <-ctx.Done():
		return fail("spawn latency server: %w", context.Cause(ctx))
	}
	if err := waitReady(ctx, p.addr, timer.C, p.exited); err != nil {
		return fail("latency server at %s: %w", p.addr, err)
	}
	return p, nil
}

// readStdout passes the first line on, then drains the rest, keeping the
// exit report's request count.
func (p *Process) readStdout(r *os.File, first chan<- string) {
	defer close(p.drained)
	defer r.Close()
	sc := bufio.NewScanner(r)
	if !sc.Scan() {
		close(first)
		return
	}
	first <- strings.TrimSpace(sc.Text())
	for sc.Scan() {
		var n, b int64
		if _, err := fmt.Sscanf(sc.Text(), "served %d requests, %d body bytes", &n, &b); err == nil {
			p.served = n
		}
	}
}

// waitReady polls /ready until it answers 200.
func waitReady(ctx context.Context, addr string, deadline <-chan time.Time, exited <-chan struct{}) error {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: time.Second}
	url := "http://" + addr + "/ready"
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/ready answered %s", resp.Status)
		}
		last = err
		select {
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			return fmt.Errorf("not ready within %v: %w", StartTimeout, last)
		case <-exited:
			return fmt.Errorf("exited while starting: %w", last)
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

// Addr returns the host:port the server listens on.
func (p *Process) Addr() string { return p.addr }

// PID returns the server's process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// kill ends the process at once and reaps it.
func (p *Process) kill() {
	p.cmd.Process.Kill()
	<-p.exited
	<-p.drained
}

// Stop stops the server (SIGTERM, then SIGKILL after StopGrace), reaps it
// and returns its resource use. It is an error if the server did not exit
// cleanly (it crashed or was killed mid-run, or ignored SIGTERM); the usage
// is returned in either case. Stop may be called more than once.
func (p *Process) Stop() (Usage, error) {
	p.stopOnce.Do(func() {
		killed := false
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Signal(syscall.SIGTERM)
			t := time.NewTimer(StopGrace)
			select {
			case <-p.exited:
			case <-t.C:
				p.cmd.Process.Kill()
				killed = true
				<-p.exited
			}
			t.Stop()
		}
		// A clean exit (status 0) is a stop: ours, or SIGTERM from the end
		// of the spawning context. Anything else is a crash or a kill.
		switch ps := p.cmd.ProcessState; {
		case ps == nil:
			p.stopErr = fmt.Errorf("latency server (pid %d): %w", p.PID(), p.waitErr)
		case killed:
			p.stopErr = fmt.Errorf("latency server (pid %d) ignored SIGTERM for %v and was killed", p.PID(), StopGrace)
		case !ps.Success():
			p.stopErr = fmt.Errorf("latency server (pid %d) exited abnormally: %v", p.PID(), ps)
		}
		<-p.drained
		if p.stopErr != nil {
			if msg := p.stderr.OneLine(); msg != "" {
				p.stopErr = fmt.Errorf("%w; its stderr: %s", p.stopErr, msg)
			}
		}
		ps := p.cmd.ProcessState
		if ps == nil {
			return
		}
		p.usage = Usage{
			UserSeconds: ps.UserTime().Seconds(),
			SysSeconds:  ps.SystemTime().Seconds(),
			MaxRSS:      maxRSS(ps),
			Requests:    p.served,
		}
	})
	return p.usage, p.stopErr
}
