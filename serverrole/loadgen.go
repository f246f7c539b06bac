package serverrole

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"concbench/internal/child"
	"concbench/models"
	"concbench/server"
	"concbench/workload"
	"concbench/workload/taskhttp"
)

// GenRole is the child role of the load generator process.
const GenRole = "loadgen"

func init() { child.Register(GenRole, genMain) }

// genHello is what the parent sends the generator on stdin.
type genHello struct {
	Spec Spec   `json:"spec"`
	Addr string `json:"addr"`
	// Key is the data files' secret (workload.Params.Key, which JSON
	// leaves out), for verifying File digests.
	Key uint64 `json:"key"`
	// Ledger is the address of the latency server of the handlers' Net
	// steps, whose ledger the generator audits ("" when none); Slack the
	// model's timer slack (models.Info.TimerSlack), for the service check.
	Ledger string        `json:"ledger,omitempty"`
	Slack  time.Duration `json:"slack,omitempty"`
}

// genReport is what the generator writes on stdout: its ledger, its
// measurements and its own CPU and lag.
type genReport struct {
	Sent, Answered, Verified int
	// NetConfirmed is how many Net steps of the answered requests the
	// latency server's ledger bears out.
	NetConfirmed  int
	Window        float64
	P50, P99, Max float64
	// P99Others is the p99 of the requests whose task makes no Block
	// step, Blocked the count of those that do (0, 0 when none does).
	P99Others float64
	Blocked   int
	// DoneRate is answers per second between the first and the last
	// answer (open loop): the server's output rate, free of the window's
	// first latency, which Answered / Window is not.
	DoneRate       float64
	LagP99, LagMax float64
	CPU            float64
	Conns          int
	Threads        int
	PIDs           map[int]int
	Error          string
}

// genMain is the generator process: spec on stdin, report on stdout.
func genMain() int {
	var hello genHello
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &hello)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: read spec:", err)
		return 1
	}
	// No garbage collection during the run unless memory passes 1 GiB: a
	// collection on the generator's one P would delay its schedule, and a
	// run allocates a few KiB per request.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(1 << 30)
	if err := boost(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen: note:", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hello.Spec.Timeout)
	defer cancel()
	var rep genReport
	if n, idle, _ := parseIdle(hello.Spec.Load); idle {
		hello.Spec.Params.Key = hello.Key
		rep = holdIdle(ctx, hello.Spec, hello.Addr, n, func() {
			// Tell the parent, then hold until it closes stdin.
			fmt.Fprintln(os.Stdout, heldLine)
			io.Copy(io.Discard, in)
		})
	} else {
		hello.Spec.Params.Key = hello.Key
		rep = generate(ctx, hello)
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 1
	}
	return 0
}

// gen is one generator run: the schedule, the per-request stamps and
// answers (slots written by one goroutine each) and the connection pool.
type gen struct {
	addr     string
	tasks    []workload.Task
	intended []int64 // ns from base; closed: the freeing answer's time
	lag      []int64 // actual - intended dispatch, ns (open loop)
	sent     []int64 // when the request's write began, ns from base
	end      []int64
	ans      []taskhttp.Answer
	base     time.Time
	// nonce is drawn at time zero and sent with every request.
	nonce uint64

	idle   chan *gconn
	slots  chan struct{}
	conns  atomic.Int64
	failMu sync.Mutex
	fail   error
	cancel context.CancelFunc
}

type gconn struct {
	c  net.Conn
	br *bufio.Reader
	wb []byte
}

func (g *gen) now() int64 { return int64(time.Since(g.base)) }

func (g *gen) failed(err error) {
	g.failMu.Lock()
	defer g.failMu.Unlock()
	if g.fail == nil {
		g.fail = err
		g.cancel()
	}
}

// generate drives the server at hello.Addr with hello.Spec's load and
// returns the report. It never returns before every request goroutine has
// ended.
func generate(ctx context.Context, hello genHello) genReport {
	var rep genReport
	s, addr := hello.Spec, hello.Addr
	tasks, err := workload.Build(s.Workload, s.Tasks, s.Params)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	load, err := parseLoad(s.Load, s.Tasks, s.Params.Seed)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	n := len(tasks)
	maxConns := s.MaxConns
	if maxConns == 0 {
		maxConns = DefaultMaxConns
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g := &gen{addr: addr, tasks: tasks, intended: make([]int64, n), lag: make([]int64, n), sent: make([]int64, n), end: make([]int64, n),
		ans: make([]taskhttp.Answer, n), idle: make(chan *gconn, maxConns), slots: make(chan struct{}, maxConns), cancel: cancel}
	if hello.Ledger != "" {
		// Start the ledger empty: the server's own probes are not the run's.
		if _, _, err := server.FetchLedger(ctx, hello.Ledger, true); err != nil {
			rep.Error = fmt.Sprintf("latency server's ledger: %v", err)
			return rep
		}
	}
	cpu0 := cpuSelf()
	g.base = time.Now()
	g.nonce = rand.Uint64()
	var sent int
	if load.Shape == models.Closed {
		sent = g.closed(ctx, min(load.Clients, maxConns))
	} else {
		sent = g.open(ctx, load.Arrivals)
	}
	window := g.now()
	cpu := cpuSelf() - cpu0
	close(g.idle)
	for c := range g.idle {
		c.c.Close()
	}
	rep.Sent, rep.Conns, rep.CPU = sent, int(g.conns.Load()), cpu
	results := make([]uint64, n)
	var lat, others, lags []float64
	tids, pids := map[int]bool{}, map[int]int{}
	for i := range n {
		if g.end[i] == 0 {
			continue
		}
		rep.Answered++
		window = max(window, g.end[i])
		results[i] = g.ans[i].Digest
		l := float64(g.end[i]-g.intended[i]) / 1e6
		lat = append(lat, l)
		if workload.BlockingTask(tasks[i]) {
			rep.Blocked++
		} else {
			others = append(others, l)
		}
		tids[g.ans[i].Pid<<32|g.ans[i].Tid] = true
		pids[g.ans[i].Pid]++
	}
	if load.Shape == models.Open {
		for i := range sent {
			lags = append(lags, float64(g.lag[i])/1e6)
		}
	}
	rep.Window = float64(window) / 1e9
	rep.P50, rep.P99, rep.Max = quantile(lat, 0.50), quantile(lat, 0.99), quantile(lat, 1)
	rep.LagP99, rep.LagMax = quantile(lags, 0.99), quantile(lags, 1)
	if load.Shape == models.Open && rep.Answered > 1 {
		rep.DoneRate = doneRate(rep.Answered, float64(g.intended[sent-1]-g.intended[0])/1e9, lat)
	}
	if rep.Blocked > 0 {
		rep.P99Others = quantile(others, 0.99)
	}
	rep.Threads, rep.PIDs = len(tids), pids
	if g.fail != nil {
		rep.Error = g.fail.Error()
	} else if err := ctx.Err(); err != nil && rep.Answered < n {
		rep.Error = fmt.Sprintf("%d of %d requests unanswered: %v", n-rep.Answered, n, err)
	}
	if rep.Answered == n {
		p := s.Params
		p.Nonce = g.nonce
		var v workload.Verification
		v, err = workload.Check(tasks, results, p)
		rep.Verified = v.Verified
		if err != nil && rep.Error == "" {
			rep.Error = err.Error()
		}
		if rep.Error == "" {
			rep.Error = g.proveWaits(ctx, hello, &rep)
		}
	}
	return rep
}

// proveWaits checks what the digests cannot show, against evidence the
// server does not write: each request took, from the start of its write
// to its answer on the generator's clock, at least its task's waits
// (workload.CheckService: Sleep and Block steps, and Net delays of the
// run's own latency server); and each Net step of every request is in
// that latency server's ledger exactly once, with its delay and size,
// accepted and answered between the request's send and its answer. It
// returns what is wrong, or "".
func (g *gen) proveWaits(ctx context.Context, hello genHello, rep *genReport) string {
	ownNet := hello.Ledger != ""
	if err := workload.CheckService(g.tasks, g.sent, g.end, hello.Slack, ownNet); err != nil {
		return "server: " + err.Error()
	}
	if !ownNet {
		return ""
	}
	entries, dropped, err := server.FetchLedger(ctx, hello.Ledger, true)
	if err != nil {
		return fmt.Sprintf("latency server's ledger: %v", err)
	}
	base, tol := models.MonoBase(g.now)
	var claims []server.Claim
	var task []int
	for i, t := range g.tasks {
		for k, st := range t.Steps {
			if st.Kind == workload.Net {
				c := server.Claim{Seed: workload.NetSeed(t.ID, k), Delay: st.Dur, Size: st.Size, Unclaimed: g.end[i] == 0}
				if base != 0 {
					c.From, c.To = base+g.sent[i], base+g.end[i]
				}
				claims, task = append(claims, c), append(task, i)
			}
		}
	}
	a := server.AuditLedger(entries, claims, tol, func(ns int64) string {
		return fmt.Sprintf("%.3f ms", float64(ns-base)/1e6)
	}, "generator time")
	rep.NetConfirmed = a.Confirmed
	switch {
	case a.First != "":
		return fmt.Sprintf("net ledger: request for task %d (seed %d): %s; %d of %d Net steps fail", g.tasks[task[a.FirstClaim]].ID, claims[a.FirstClaim].Seed, a.First, a.Bad, a.Claimed)
	case dropped > 0:
		return fmt.Sprintf("net ledger: the latency server's ledger dropped %d requests beyond its %d entries: send fewer requests with Net steps per trial", dropped, server.MaxLedger)
	case a.Outside > 0:
		return fmt.Sprintf("net ledger: the latency server got %d requests whose seed is no Net step of the run (e.g. seed %d)", a.Outside, a.OutsideSeed)
	}
	return ""
}

// doneRate is the rate a server answered n requests sent over span
// seconds at: n-1 over the span plus how much the latency grew from the
// first quarter of the requests to the last (medians, lat in send order).
// A server that keeps up answers at the offered rate whatever its
// latency; one that does not builds a queue, and the latency growth is
// the time it fell behind. Unlike answers over the window (Rate), a short
// window's first latency does not lower it, and unlike the spacing of the
// first and last answers, one late answer does not.
func doneRate(n int, span float64, lat []float64) float64 {
	q := max(1, len(lat)/4)
	growth := max(0, quantile(lat[len(lat)-q:], 0.5)-quantile(lat[:q], 0.5)) / 1e3
	if span+growth <= 0 {
		return 0
	}
	return float64(n-1) / (span + growth)
}

// quantile is the q-quantile of xs (nearest rank), 0 for none.
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	k := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(k, len(s)-1))]
}

// open sends request i at its intended time whatever happened to earlier
// ones, each on its own goroutine and a free connection (or a new one, up
// to the cap); it returns the number sent once every request has ended.
func (g *gen) open(ctx context.Context, arrivals []int64) int {
	var wg sync.WaitGroup
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	sent := 0
	for i, at := range arrivals {
		if d := at - g.now(); d > 0 {
			timer.Reset(time.Duration(d))
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
		}
		if ctx.Err() != nil {
			break
		}
		g.intended[i] = at
		g.lag[i] = g.now() - at
		sent++
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.request(ctx, i)
		}()
	}
	wg.Wait()
	return sent
}

// closed runs c clients, each sending its next request the instant its
// previous answer arrived (that instant is the request's intended time).
func (g *gen) closed(ctx context.Context, c int) int {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := int64(0)
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(g.tasks) {
					return
				}
				g.intended[i] = at
				if !g.request(ctx, i) {
					return
				}
				at = g.end[i]
			}
		}()
	}
	wg.Wait()
	return int(min(next.Load(), int64(len(g.tasks))))
}

// request sends request i and reads its answer, recording the end time.
func (g *gen) request(ctx context.Context, i int) bool {
	c, err := g.get(ctx)
	if err != nil {
		g.failed(fmt.Errorf("request for task %d: %w", i, err))
		return false
	}
	c.wb = taskhttp.AppendRequest(c.wb[:0], i, g.nonce)
	g.sent[i] = g.now()
	_, err = c.c.Write(c.wb)
	var a taskhttp.Answer
	closed := true
	if err == nil {
		a, closed, err = taskhttp.ReadResponse(c.br)
	}
	if err != nil {
		c.c.Close()
		<-g.slots
		if ctx.Err() == nil {
			g.failed(fmt.Errorf("request for task %d: %w", i, err))
		}
		return false
	}
	g.end[i] = g.now()
	g.ans[i] = a
	g.put(c, closed)
	return true
}

// get returns an idle connection, or dials one while under the cap, or
// waits for one to be freed.
func (g *gen) get(ctx context.Context) (*gconn, error) {
	select {
	case c := <-g.idle:
		return c, nil
	default:
	}
	select {
	case c := <-g.idle:
		return c, nil
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", g.addr)
	if err != nil {
		<-g.slots
		return nil, err
	}
	g.conns.Add(1)
	return &gconn{c: nc, br: bufio.NewReaderSize(nc, 512)}, nil
}

// put returns c to the idle set, or closes it if the server closes it.
func (g *gen) put(c *gconn, closed bool) {
	if closed {
		c.c.Close()
		<-g.slots
		return
	}
	select {
	case g.idle <- c:
	default:
		c.c.Close()
		<-g.slots
	}
}
