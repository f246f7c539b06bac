package serverrole

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"

	"concbench/internal/child"
	"concbench/models"
	"concbench/workload"
)

// ServerRole is the child role of a model's server process.
const ServerRole = "model-server"

func init() { child.Register(ServerRole, serverMain) }

// serverHello is what the parent sends the server process on stdin.
type serverHello struct {
	Spec Spec         `json:"spec"`
	Env  workload.Env `json:"env"`
}

// ledger is what the server process writes on stdout when it stops.
type ledger struct {
	Served    int64 `json:"served"`
	Accepted  int64 `json:"accepted"`
	PeakConns int64 `json:"peak_conns"`
	PIDs      []int `json:"pids,omitempty"`
}

// serverMain is the server process: it reads its spec on stdin, builds
// the task list, listens on a loopback port, prints "ADDR\n" on stdout,
// serves until stdin closes, then prints its ledger as one JSON line.
func serverMain() int {
	if err := serveProcess(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		return 1
	}
	return 0
}

func serveProcess(stdin io.Reader, stdout io.Writer) error {
	in := bufio.NewReader(stdin)
	line, err := in.ReadBytes('\n')
	var hello serverHello
	if err == nil {
		err = json.Unmarshal(line, &hello)
	}
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	s := hello.Spec
	info, err := models.Lookup(s.Model)
	if err != nil {
		return err
	}
	cfg := info.Resolve(s.Config)
	runtime.GOMAXPROCS(cfg.Procs)
	m, err := info.New(cfg)
	if err != nil {
		return err
	}
	srv, ok := m.(models.Server)
	if !ok {
		return fmt.Errorf("model %s has no server", s.Model)
	}
	tasks, err := workload.Build(s.Workload, s.Tasks, s.Params)
	if err != nil {
		return err
	}
	// SO_REUSEPORT lets a prefork server's workers listen on the same
	// port; the address is published once the server accepts (Ready).
	lc := net.ListenConfig{Control: models.ReusePort}
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ln := l.(*net.TCPListener)
	addr := ln.Addr().String()
	h := &models.Handling{Listener: ln, Tasks: tasks, Env: hello.Env, Ready: func() { fmt.Fprintln(stdout, addr) }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		io.Copy(io.Discard, in) // until the parent closes stdin
		cancel()
	}()
	serr := srv.Serve(ctx, h)
	if serr != nil && ctx.Err() == nil {
		return serr
	}
	led := ledger{Served: h.Served.Load(), Accepted: h.Accepted.Load(), PeakConns: h.PeakConns(), PIDs: h.PIDs()}
	return errors.Join(serr, json.NewEncoder(stdout).Encode(led))
}
