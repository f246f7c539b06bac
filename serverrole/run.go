package serverrole

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"concbench/internal/child"
	"concbench/internal/tailbuf"
	"concbench/models"
)

// samplePeriod is how often the parent reads the server's process tree.
const samplePeriod = 20 * time.Millisecond

// Supports reports whether model can serve (implements models.Server),
// or why not.
func Supports(model string) error {
	info, err := models.Lookup(model)
	if err != nil {
		return err
	}
	m, err := info.New(info.Resolve(models.Config{}))
	if err != nil {
		return err
	}
	if _, ok := m.(models.Server); !ok {
		return fmt.Errorf("model %s has no server yet (the server role serves the Go models)", model)
	}
	if err := info.Usable(); err != nil {
		return fmt.Errorf("model %s: %w", model, err)
	}
	return nil
}

// Run runs one model's server trial: the handlers' resources, the server
// process, the generator process, the server tree's samples, and the
// checks of the generator's ledger against the server's. A failed trial
// returns its Result (what was measured) and the error.
func Run(ctx context.Context, s Spec) (*Result, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if err := Supports(s.Model); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	env, rs, err := prepare(ctx, s)
	if err != nil {
		return nil, err
	}
	defer rs.release()

	sp, err := startServer(ctx, serverHello{Spec: s, Env: env})
	if err != nil {
		return nil, err
	}
	defer sp.kill()
	res := &Result{Spec: s}
	base := sampleTree(sp.pid())
	smp := startSampling(sp.pid())
	idleN, idle, _ := parseIdle(s.Load)
	hello := genHello{Spec: s, Addr: sp.addr, Key: rs.key}
	if info, err := models.Lookup(s.Model); err == nil {
		hello.Slack = info.TimerSlack
	}
	if rs.srv != nil {
		hello.Ledger = rs.srv.Addr()
	}
	rep, genErr := runGenerator(ctx, hello, sp.exited, func() {
		// All N connections open and idle: let the server settle, then
		// take the peaks of a few samples.
		time.Sleep(50 * time.Millisecond)
		for range 3 {
			x := sampleTree(sp.pid())
			res.IdleRSS = max(res.IdleRSS, x.rss)
			res.IdleFDs = max(res.IdleFDs, x.fds)
			res.IdleThreads = max(res.IdleThreads, x.threads)
			time.Sleep(40 * time.Millisecond)
		}
	})
	peak := smp.stop()
	l, ru, srvErr := sp.stop()

	res.Sent, res.Answered, res.Verified, res.NetConfirmed = rep.Sent, rep.Answered, rep.Verified, rep.NetConfirmed
	res.Window, res.P50, res.P99, res.Max = rep.Window, rep.P50, rep.P99, rep.Max
	res.P99Others, res.Blocked, res.DoneRate = rep.P99Others, rep.Blocked, rep.DoneRate
	if rep.Window > 0 {
		res.Rate = float64(rep.Answered) / rep.Window
		res.GenCores = rep.CPU / rep.Window
		res.ServerCPU = max(0, ru-base.cpu)
		res.ServerCores = res.ServerCPU / rep.Window
	}
	res.LagP99, res.LagMax = rep.LagP99, rep.LagMax
	res.Conns, res.Threads, res.Processes = rep.Conns, rep.Threads, len(rep.PIDs)
	res.Served, res.Accepted, res.PeakConns = l.Served, l.Accepted, l.PeakConns
	res.ServerRSS, res.ServerFDs, res.ServerThreads, res.ServerPIDs = peak.rss, peak.fds, peak.threads, peak.pids
	if err := errors.Join(srvErr, genErr); err != nil {
		res.Error = err.Error()
		return res, err
	}
	if rep.Error != "" {
		res.Error = rep.Error
		return res, errors.New(rep.Error)
	}
	if idle {
		res.BaseRSS = base.rss
		res.SetupRate = res.Rate
		res.BytesPerConn = float64(max(0, res.IdleRSS-base.rss)) / float64(idleN)
	}
	res.Invalid = strings.Join(check(res), "; ")
	return res, nil
}

// maxLag is MaxLagP99; tests lower it to make trials invalid.
var maxLag = MaxLagP99

// check compares what the server claims (its ledger) with what the
// generator observed, and the generator with its own schedule; it returns
// why the trial is invalid.
func check(r *Result) []string {
	var bad []string
	n := r.Spec.Tasks
	if c, idle, _ := parseIdle(r.Spec.Load); idle {
		n = c
		// Evidence the connections were really held: the server's fds.
		if r.IdleFDs < c {
			bad = append(bad, fmt.Sprintf("server held %d fds with %d connections open", r.IdleFDs, c))
		}
	}
	if r.Sent != n || r.Answered != n {
		bad = append(bad, fmt.Sprintf("generator sent %d and got %d answers of %d requests", r.Sent, r.Answered, n))
	}
	if r.Verified == 0 {
		bad = append(bad, "no answer verified")
	}
	if r.Served != int64(r.Answered) {
		bad = append(bad, fmt.Sprintf("server's ledger says %d served, the generator got %d answers", r.Served, r.Answered))
	}
	if r.Accepted != int64(r.Conns) {
		bad = append(bad, fmt.Sprintf("server accepted %d connections, the generator opened %d", r.Accepted, r.Conns))
	}
	if r.LagP99 > float64(maxLag)/1e6 && r.SetupRate == 0 {
		bad = append(bad, fmt.Sprintf("generator fell behind its schedule (lag p99 %.1f ms > %v)", r.LagP99, maxLag))
	}
	if r.GenCores > MaxGenCores && r.SetupRate == 0 {
		bad = append(bad, fmt.Sprintf("generator saturated (%.2f cores > %.1f)", r.GenCores, MaxGenCores))
	}
	return bad
}

// serverProc is a running server process.
type serverProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *tailbuf.Tail
	addr   string
	exited chan struct{}
	err    error // the Wait error, once exited is closed
	once   sync.Once
	// ledgerLine is what the server wrote after its address: its ledger.
	ledgerLine []byte
}

func (p *serverProc) pid() int { return p.cmd.Process.Pid }

func startServer(ctx context.Context, hello serverHello) (*serverProc, error) {
	cmd, err := child.Command(ctx, ServerRole, nil, "-test.run=^$", "-test.bench=^$")
	if err != nil {
		return nil, err
	}
	c, err := child.StartPiped(cmd, "server")
	if err != nil {
		return nil, err
	}
	p := &serverProc{cmd: cmd, stdin: c.Stdin, out: bufio.NewReader(c.Stdout), stderr: c.Stderr, exited: make(chan struct{})}
	var werr error
	if n := fdsNeeded(hello.Spec); n > 0 {
		werr = raiseFDs(p.pid(), n)
	}
	b, _ := json.Marshal(hello)
	if werr == nil {
		_, werr = p.stdin.Write(append(b, '\n'))
	} else {
		p.stdin.Close() // the server reads no spec and exits
	}
	addr, rerr := p.out.ReadString('\n')
	if err := errors.Join(werr, rerr); err != nil {
		p.kill()
		cmd.Wait()
		return nil, fmt.Errorf("server %s did not start: %v%s", hello.Spec.Model, err, detail(p.stderr))
	}
	p.addr = strings.TrimSpace(addr)
	go func() {
		// Wait only after stdout is read to its end (stop), as os/exec
		// requires; exited closes when the process is gone.
		<-p.exitedRead()
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// exitedRead returns a channel closed when the server's stdout ends.
func (p *serverProc) exitedRead() <-chan struct{} {
	c := make(chan struct{})
	go func() {
		defer close(c)
		var rest []byte
		rest, _ = io.ReadAll(io.LimitReader(p.out, 1<<20))
		p.ledgerLine = rest
	}()
	return c
}

// stop closes the server's stdin (it stops serving and writes its
// ledger), waits for it (killing it after a grace period) and returns the
// ledger and the CPU seconds of the server and its reaped children.
func (p *serverProc) stop() (ledger, float64, error) {
	var l ledger
	p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.kill()
		<-p.exited
		return l, 0, fmt.Errorf("server did not stop within 10s of its stdin closing (killed)%s", detail(p.stderr))
	}
	var cpu float64
	if ps := p.cmd.ProcessState; ps != nil {
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			cpu = float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
		}
	}
	if p.err != nil {
		return l, cpu, fmt.Errorf("server: %v%s", p.err, detail(p.stderr))
	}
	if err := json.Unmarshal(p.ledgerLine, &l); err != nil {
		return l, cpu, fmt.Errorf("server ledger %q: %w", p.ledgerLine, err)
	}
	return l, cpu, nil
}

func (p *serverProc) kill() {
	p.once.Do(func() {
		if p.cmd.Process != nil {
			p.cmd.Process.Kill()
		}
	})
}

func detail(t *tailbuf.Tail) string {
	if s := strings.TrimSpace(t.OneLine()); s != "" {
		return ": " + s
	}
	return ""
}

// runGenerator runs the generator process to its end and returns its
// report; if the server exits first, the generator is killed. An idle
// load's generator prints heldLine when its connections are open: held
// runs then (the parent measures the server), and the generator's stdin
// is closed to let it finish.
func runGenerator(ctx context.Context, hello genHello, serverExited <-chan struct{}, held func()) (genReport, error) {
	var rep genReport
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd, err := child.Command(gctx, GenRole, []string{"GOMAXPROCS=1"}, "-test.run=^$", "-test.bench=^$")
	if err != nil {
		return rep, err
	}
	c, err := child.StartPiped(cmd, "load generator")
	if err != nil {
		return rep, err
	}
	stdin, stdout, stderr := c.Stdin, c.Stdout, c.Stderr
	died := make(chan struct{})
	go func() {
		select {
		case <-serverExited:
			close(died)
			cancel()
		case <-gctx.Done():
		}
	}()
	var werr error
	if n := fdsNeeded(hello.Spec); n > 0 {
		werr = raiseFDs(cmd.Process.Pid, n)
	}
	b, _ := json.Marshal(hello)
	if werr == nil {
		_, werr = stdin.Write(append(b, '\n'))
	} else {
		stdin.Close() // the generator reads no spec and exits
	}
	out := bufio.NewReader(io.LimitReader(stdout, 1<<20))
	line, rerr := out.ReadBytes('\n')
	if rerr == nil && strings.TrimSpace(string(line)) == heldLine {
		held()
		stdin.Close()
		line, rerr = out.ReadBytes('\n')
	}
	stdin.Close()
	io.Copy(io.Discard, out)
	waitErr := cmd.Wait()
	select {
	case <-died:
		return rep, errors.New("the server process exited during the trial")
	default:
	}
	if err := errors.Join(werr, waitErr); err != nil {
		return rep, fmt.Errorf("load generator: %v%s", err, detail(stderr))
	}
	if err := json.Unmarshal(line, &rep); err != nil {
		return rep, fmt.Errorf("load generator report: %w (read: %v)", err, rerr)
	}
	return rep, nil
}

// sampling reads the server's process tree every samplePeriod and keeps
// the peaks.
type sampling struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak treeSample
}

func startSampling(pid int) *sampling {
	s := &sampling{done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(samplePeriod)
		defer t.Stop()
		for {
			x := sampleTree(pid)
			s.peak.rss = max(s.peak.rss, x.rss)
			s.peak.fds = max(s.peak.fds, x.fds)
			s.peak.threads = max(s.peak.threads, x.threads)
			s.peak.pids = max(s.peak.pids, x.pids)
			select {
			case <-s.done:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampling) stop() treeSample {
	close(s.done)
	s.wg.Wait()
	return s.peak
}
