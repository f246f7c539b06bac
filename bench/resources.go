package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"concbench/server"
	"concbench/workload"
)

// resources is what a trial's steps touch outside the process: the latency
// server (a separate child process, so its CPU stays out of the model's
// figures) and the data files.
type resources struct {
	srv *server.Process
	// shared is a sweep's latency server, kept for all its trials (not
	// stopped here); served counts the requests its ledger held for this
	// trial, and cpu0 its CPU seconds as the trial began.
	shared sharedServer
	served int64
	cpu0   float64
	dir    string
	// key is the data set's secret (workload.Params.Key): the content of
	// its files derives from it, and the harness, which never hands it to
	// the model, recomputes the File outputs from it.
	key uint64
	// server and files are how long starting the server and making (or
	// checking) the data files took.
	server, files time.Duration
}

// cost is the trial's set-up cost spent here, with the model's own
// start-up (prep) and the wait at the ready point measured by the caller.
func (rs *resources) cost(prep, waited time.Duration) *Cost {
	return &Cost{Server: rs.server.Seconds(), Files: rs.files.Seconds(), Prepare: prep.Seconds(), Waited: waited.Seconds()}
}

// EnvServer names the environment variable that points Net steps at a
// latency server already running on another host (`concbench serve --addr
// 0.0.0.0:8080 --allow-remote` there), as host:port. Unset, every trial
// spawns its own server on loopback. The variable reaches trial children
// through their environment; CollectMeta records it in the results.
const EnvServer = "CONCBENCH_SERVER"

// RemoteServer returns the remote latency server's host:port, or "".
func RemoteServer() string { return os.Getenv(EnvServer) }

// checkRemoteServer rejects a malformed EnvServer in one line.
func checkRemoteServer() error {
	addr := RemoteServer()
	if addr == "" {
		return nil
	}
	if host, port, err := net.SplitHostPort(addr); err != nil || host == "" || port == "" {
		return fmt.Errorf("%w: %s=%q: want host:port of a running `concbench serve --allow-remote`", ErrUsage, EnvServer, addr)
	}
	return nil
}

// prepare starts the latency server for workloads with Net steps and makes
// the data files for workloads with File steps, before the trial's clock
// starts. release tears both down.
func prepare(ctx context.Context, spec Spec) (workload.Env, *resources, error) {
	pr, _ := workload.Lookup(spec.Workload)
	env := workload.Env{Direct: spec.Direct}
	if err := checkRemoteServer(); err != nil {
		return env, nil, err
	}
	rs := &resources{}
	if pr.NeedsNet && RemoteServer() != "" {
		env.ServerAddr = RemoteServer()
	} else if shared := sweepServerFrom(ctx); pr.NeedsNet && shared.addr != "" {
		// The ledger is empty: the previous trial read its own entries,
		// and after a trial that could not the sweep emptied it.
		t0 := time.Now()
		rs.shared, rs.served = shared, -1
		rs.cpu0, _, _ = pidCPU(shared.pid)
		rs.server = time.Since(t0)
		env.ServerAddr = shared.addr
	} else if pr.NeedsNet {
		t0 := time.Now()
		srv, err := server.Spawn(ctx, server.Options{
			MaxDelay: max(server.Defaults.MaxDelay, 2*spec.Params.NetDelay),
			MaxSize:  max(server.Defaults.MaxSize, spec.Params.NetSize),
		})
		if err != nil {
			return env, nil, fmt.Errorf("start latency server: %w", err)
		}
		rs.srv = srv
		rs.server = time.Since(t0)
		env.ServerAddr = srv.Addr()
	}
	if pr.NeedsFiles {
		t0 := time.Now()
		defer func() { rs.files = time.Since(t0) }()
		given := dataDirFrom(ctx)
		var err error
		if given.ready {
			// A sweep's data set: written once with its own key, checked here.
			rs.key = given.key
			env.Files, err = checkFiles(given.path, spec.Params)
		} else {
			rs.key = workload.NewSecret()
			p := spec.Params
			p.Key = rs.key
			dir := given.path
			if dir == "" {
				rs.dir, err = makeDataDir()
				dir = rs.dir
			}
			if err == nil {
				env.Files, err = workload.MakeFiles(dir, p)
			}
		}
		if err != nil {
			rs.release()
			return env, nil, err
		}
	}
	return env, rs, nil
}

// Data files belong to the process that created the trial. An isolated
// trial's parent makes the directory, hands it to the child (envDataDir)
// and removes it when the child is gone, however it ended: a child killed
// by SIGKILL (the parent's own Ctrl-C handling, or kill -9) cannot clean
// up after itself. A directory left by a parent that was itself killed
// with SIGKILL is removed by the next trial (removeStale).
const (
	envDataDir = "CONCBENCH_DATA_DIR"
	// envDataReady says the files in envDataDir are already written (a
	// sweep's shared data set): the trial checks them instead.
	envDataReady   = "CONCBENCH_DATA_READY"
	dataDirPattern = "concbench-files-"
)

type dataDirKey struct{}

// dataDir is a data directory the caller owns; ready says its files are
// already written (and are only checked), with key their secret.
type dataDir struct {
	path  string
	ready bool
	key   uint64
}

// withDataDir tells prepare to make the data files in dir, which the
// caller owns, or with ready to use the files already there, made with
// key.
func withDataDir(ctx context.Context, dir string, ready bool, key uint64) context.Context {
	return context.WithValue(ctx, dataDirKey{}, dataDir{dir, ready, key})
}

func dataDirFrom(ctx context.Context) dataDir {
	d, _ := ctx.Value(dataDirKey{}).(dataDir)
	return d
}

// makeDataDir creates an empty data directory in TMPDIR named after this
// process, after removing those of dead concbench processes.
func makeDataDir() (string, error) {
	removeStale(os.TempDir())
	dir, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", dataDirPattern, os.Getpid()))
	if err != nil {
		return "", fmt.Errorf("data files: %w", err)
	}
	return dir, nil
}

// removeStale removes data directories in tmp whose creating process (the
// PID in the name) no longer exists.
func removeStale(tmp string) {
	ents, _ := os.ReadDir(tmp)
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), dataDirPattern)
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(tmp, e.Name()))
	}
}

// own reports whether the trial's Net steps go to a latency server of
// this benchmark's (its own, or its sweep's): exact delays, a ledger of
// only its requests.
func (rs *resources) own() bool { return rs.srv != nil || rs.shared.addr != "" }

// ledger returns the trial's entries of its latency server's ledger and
// empties it for the next trial.
func (rs *resources) ledger(ctx context.Context) ([]server.Entry, int64, error) {
	if rs.srv != nil {
		return rs.srv.Ledger(ctx, true)
	}
	entries, dropped, err := server.FetchLedger(ctx, rs.shared.addr, true)
	if err == nil {
		rs.served = int64(len(entries)) + dropped
	}
	return entries, dropped, err
}

// release stops the server (returning its usage) and removes the files. A
// sweep's shared server is left running; its usage is this trial's: the
// requests in its ledger and the CPU it used since prepare (user and
// system together, in UserSeconds).
func (rs *resources) release() (server.Usage, error) {
	var u server.Usage
	var err error
	if rs.shared.addr != "" {
		if rs.served < 0 { // the ledger was not read (no Net step ran, or interrupted)
			ctx, cancel := context.WithTimeout(context.Background(), ledgerTimeout)
			_, _, err = rs.ledger(ctx)
			cancel()
		}
		cpu1, _, _ := pidCPU(rs.shared.pid)
		u = server.Usage{UserSeconds: max(0, cpu1-rs.cpu0), Requests: max(0, rs.served)}
		rs.shared = sharedServer{}
		if err != nil {
			err = fmt.Errorf("the sweep's latency server: %w", err)
		}
	}
	if rs.srv != nil {
		u, err = rs.srv.Stop()
		rs.srv = nil
		if err != nil {
			err = fmt.Errorf("latency server: %w", err)
		}
	}
	if rs.dir != "" {
		_ = os.RemoveAll(rs.dir)
		rs.dir = ""
	}
	return u, err
}

// A sweep runs one latency server for all its trials (sweep_server.go) and
// hands it to each trial child as envSweepServer, "host:port pid"; each
// trial reads (and empties) its ledger after its window (bench/ledger.go),
// and the sweep empties it after a trial that failed to, before the next
// trial's window.
const envSweepServer = "CONCBENCH_SWEEP_SERVER"

// sharedServer is a sweep's latency server: its address and PID.
type sharedServer struct {
	addr string
	pid  int
}

// env is the sharedServer as an envSweepServer entry, "" for none.
func (s sharedServer) env() string {
	if s.addr == "" {
		return ""
	}
	return fmt.Sprintf("%s=%s %d", envSweepServer, s.addr, s.pid)
}

type sweepServerKey struct{}

// withSweepServer makes s the latency server of the trials run with ctx.
func withSweepServer(ctx context.Context, s sharedServer) context.Context {
	return context.WithValue(ctx, sweepServerKey{}, s)
}

// sweepServerFrom returns the sweep's latency server of ctx, else of this
// trial child's environment; zero for none.
func sweepServerFrom(ctx context.Context) sharedServer {
	if s, ok := ctx.Value(sweepServerKey{}).(sharedServer); ok {
		return s
	}
	addr, pid, ok := strings.Cut(os.Getenv(envSweepServer), " ")
	n, err := strconv.Atoi(pid)
	if !ok || err != nil || addr == "" {
		return sharedServer{}
	}
	return sharedServer{addr: addr, pid: n}
}
