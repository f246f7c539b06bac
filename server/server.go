// Package server is concbench's latency server: a real net/http HTTP/1.1
// server on loopback that answers GET /io?delay=D&size=N&seed=S after D
// with N bytes of content derived from S (httpwire.WriteBody: the proof a
// client digests), over keep-alive connections. Net steps of every model
// talk to it.
//
// Run serves in the foreground (the `concbench serve` command), Serve starts
// an in-process server for tests, and Spawn starts it as a separate child
// process so the harness can report the server's CPU and memory apart from
// the model's.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"concbench/workload/httpwire"
)

// Server is a running latency server.
type Server struct {
	opts Options
	ln   net.Listener
	srv  *http.Server
	// stopping is closed when the server stops hard; waiting handlers end.
	stopping chan struct{}
	stopOnce sync.Once
	done     chan struct{}
	cancel   context.CancelFunc
	err      error
	// active counts requests being handled.
	active atomic.Int64

	requests atomic.Int64
	bytes    atomic.Int64
	ledger   Ledger
}

// listen binds the listener and checks it is on loopback.
func listen(opts Options) (*Server, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.fill()
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("latency server: %w", err)
	}
	if ip := ln.Addr().(*net.TCPAddr).IP; !opts.AllowRemote && !ip.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("%w: %q resolves to non-loopback %v (use --allow-remote to expose the server)", ErrUsage, opts.Addr, ip)
	}
	s := &Server{opts: opts, ln: ln, stopping: make(chan struct{}), done: make(chan struct{})}
	s.srv = &http.Server{
		Handler:           s.bounded(s.Handler()),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    8 << 10,
		ConnState:         new(idleConns).track, // at most maxIdleConns idle
	}
	return s, nil
}

// ShutdownGrace is how long a stopping server lets in-flight requests
// finish; AnswerGrace is how long it then gives the requests still
// waiting to write their 503 before it closes what is left.
const (
	ShutdownGrace = 2 * time.Second
	AnswerGrace   = 2 * time.Second
)

// bounded wraps h: it counts the request as active and bounds its
// response's writing to the longest delay plus WriteTimeout.
func (s *Server) bounded(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.active.Add(1)
		defer s.active.Add(-1)
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(s.opts.MaxDelay + s.opts.WriteTimeout))
		h.ServeHTTP(w, r)
	})
}

// serve runs until ctx ends, then shuts down gracefully: no new
// connections; every accepted request gets its answer if it is ready
// within ShutdownGrace, else 503 "server shutting down"; only then are
// the connections closed.
func (s *Server) serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(s.ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), ShutdownGrace)
		if s.srv.Shutdown(sctx) != nil {
			// Still waiting: make them answer 503 now, and let them
			// write it before anything is closed.
			s.stop()
			actx, cancel := context.WithTimeout(context.Background(), AnswerGrace)
			if s.srv.Shutdown(actx) != nil {
				s.srv.Close()
			}
			cancel()
		}
		cancel()
		err = <-errc
	}
	s.stop()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (s *Server) stop() { s.stopOnce.Do(func() { close(s.stopping) }) }

// Serve starts an in-process server (for tests and `go test -bench`) and
// returns once it is listening. It stops when ctx ends or Close is called.
func Serve(ctx context.Context, opts Options) (*Server, error) {
	s, err := listen(opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		s.err = s.serve(ctx)
		close(s.done)
	}()
	s.cancel = cancel
	return s, nil
}

// Close stops a server started by Serve gracefully and waits for it.
func (s *Server) Close() error {
	if s.cancel != nil {
		s.cancel()
	}
	<-s.done
	return s.err
}

// Run listens, prints "listening on HOST:PORT" as the first line on
// stdout, serves until ctx ends, shuts down gracefully and prints one line
// "served N requests, B body bytes".
func Run(ctx context.Context, opts Options, stdout io.Writer) error {
	s, err := listen(opts)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(stdout, "listening on %s\n", s.Addr()); err != nil {
		s.ln.Close()
		return fmt.Errorf("print address: %w", err)
	}
	err = s.serve(ctx)
	fmt.Fprintf(stdout, "served %d requests, %d body bytes\n", s.Requests(), s.bytes.Load())
	return err
}

// Addr returns the host:port the server is bound to.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Requests returns how many /io requests the server answered with 200.
func (s *Server) Requests() int64 { return s.requests.Load() }

// Handler returns the server's routes: /io, /ready, and 404 elsewhere.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(httpwire.Path, s.serveIO)
	mux.HandleFunc(LedgerPath, s.serveLedger)
	mux.HandleFunc("/ready", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ready\n")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, fmt.Sprintf("no such endpoint %q (try /io?delay=10ms&size=1024, /ready or /ledger)", r.URL.Path), http.StatusNotFound)
	})
	return mux
}

// request is a parsed /io query.
type request struct {
	delay  time.Duration
	size   int64
	seed   uint64
	dist   Dist
	jitter float64
}

// parse reads the /io query; errors are the one-line reason of a 400.
func (s *Server) parse(raw string) (request, error) {
	req := request{dist: s.opts.Dist, jitter: s.opts.Jitter}
	var haveDelay, haveSize bool
	for raw != "" {
		var kv string
		kv, raw, _ = strings.Cut(raw, "&")
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if strings.ContainsAny(kv, "%+") {
			var err error
			if k, err = url.QueryUnescape(k); err == nil {
				v, err = url.QueryUnescape(v)
			}
			if err != nil {
				return req, fmt.Errorf("bad query escape in %q", kv)
			}
		}
		switch k {
		case "delay":
			d, err := time.ParseDuration(v)
			if err != nil {
				return req, fmt.Errorf("bad delay %q (want a Go duration such as 10ms)", v)
			}
			if d < 0 || d > s.opts.MaxDelay {
				return req, fmt.Errorf("delay %v out of range (allowed 0..%v, the server's --max-delay)", d, s.opts.MaxDelay)
			}
			req.delay, haveDelay = d, true
		case "size":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return req, fmt.Errorf("bad size %q (want a byte count such as 1024)", v)
			}
			if n < 0 || n > s.opts.MaxSize {
				return req, fmt.Errorf("size %d out of range (allowed 0..%d, the server's --max-size)", n, s.opts.MaxSize)
			}
			req.size, haveSize = n, true
		case "seed":
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return req, fmt.Errorf("bad seed %q (want a decimal uint64)", v)
			}
			req.seed = n
		case "dist":
			d, err := ParseDist(v)
			if err != nil {
				return req, err
			}
			req.dist = d
		case "jitter":
			j, err := strconv.ParseFloat(v, 64)
			if err != nil || j < 0 || j > 4 || math.IsNaN(j) {
				return req, fmt.Errorf("bad jitter %q (allowed 0..4)", v)
			}
			req.jitter = j
		default:
			return req, fmt.Errorf("unknown parameter %q (allowed: delay, size, seed, dist, jitter)", k)
		}
	}
	switch {
	case !haveDelay:
		return req, errors.New("missing delay parameter (e.g. /io?delay=10ms&size=1024)")
	case !haveSize:
		return req, errors.New("missing size parameter (e.g. /io?delay=10ms&size=1024)")
	}
	return req, nil
}

// serveIO answers /io after the (sampled) delay with the size-byte body of
// the request's seed (0 when the request has none).
func (s *Server) serveIO(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, fmt.Sprintf("method %s not allowed (only GET)", r.Method), http.StatusMethodNotAllowed)
		return
	}
	accept := monotonic()
	req, err := s.parse(r.URL.RawQuery)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	d := req.dist.Sample(req.delay, req.jitter, s.opts.MaxDelay)
	// In the ledger before the answer is written, so the entry exists by
	// the time a client has its answer (an unanswered one: Answer 0).
	e := Entry{Seed: req.seed, Delay: req.delay, Size: req.size, Waited: d, Accept: accept}
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			s.ledger.add(e)
			return
		case <-s.stopping:
			t.Stop()
			s.ledger.add(e)
			http.Error(w, "server shutting down", http.StatusServiceUnavailable)
			return
		}
	}
	e.Answer = monotonic()
	s.ledger.add(e)
	h := w.Header()
	h["Content-Type"] = contentType
	h["Content-Length"] = []string{strconv.FormatInt(req.size, 10)}
	if err := httpwire.WriteBody(w, req.seed, req.size); err != nil {
		return
	}
	s.requests.Add(1)
	s.bytes.Add(req.size)
}

var contentType = []string{"application/octet-stream"}
