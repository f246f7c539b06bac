package runtimes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"concbench/internal/tailbuf"
)

// Environment variables that point at the interpreters.
const (
	// EnvPython names the Python interpreter (default: python3 on PATH).
	EnvPython = "CONCBENCH_PYTHON"
	// EnvNode names the Node.js binary (default: node on PATH).
	EnvNode = "CONCBENCH_NODE"
)

// Minimum versions: asyncio.create_task, threading.get_native_id (3.8);
// process.hrtime.bigint, fs.promises, worker_threads, Atomics.wait (18).
const (
	minPython = "3.8"
	minNode   = 18
)

// systemPython is where Debian's python3-uvloop installs for; tried for
// py-uvloop when the configured interpreter lacks uvloop.
const systemPython = "/usr/bin/python3"

// probeTimeout bounds one interpreter probe (a variable so tests can
// shorten it).
var probeTimeout = 15 * time.Second

// probeBase is the context probes run under (SetProbeContext).
var (
	probeBaseMu sync.Mutex
	probeBase   = context.Background()
)

// SetProbeContext makes interpreter probes stop when ctx ends: the CLI
// passes its signal context, so Ctrl-C, SIGTERM or SIGHUP during a probe
// of a hung interpreter ends it at once. A probe cut short this way is not
// cached, and its error wraps ctx's error.
func SetProbeContext(ctx context.Context) {
	probeBaseMu.Lock()
	defer probeBaseMu.Unlock()
	probeBase = ctx
}

// interp is an interpreter found on this machine.
type interp struct {
	// Path is the executable; Version its version string, Label how
	// results name it ("CPython 3.11.7 (/usr/bin/python3)").
	Path, Version, Label string
	// Uvloop is the uvloop version importable by this interpreter, or "".
	Uvloop string
	// Err says why the interpreter cannot be used (with the fix).
	Err error
}

// Probes are cached per interpreter setting (the environment variable's
// value), so a process probes each interpreter once.
var (
	probeMu sync.Mutex
	probed  = map[string]*probeEntry{}
)

// probeEntry is one cached probe.
type probeEntry struct {
	once sync.Once
	in   interp
}

// cached returns the probe result for key, running find on first use.
// find may itself use cached with another key (py-uvloop asks for the
// Python probe), so the map's lock is not held while it runs.
func cached(key string, find func() interp) interp {
	probeMu.Lock()
	e, ok := probed[key]
	if !ok {
		e = &probeEntry{}
		probed[key] = e
	}
	probeMu.Unlock()
	e.once.Do(func() {
		if in, ok := inherited(key); ok {
			e.in = in
			return
		}
		e.in = find()
		if e.in.Err == nil {
			bequeath(key, e.in)
		}
	})
	if errors.Is(e.in.Err, context.Canceled) {
		probeMu.Lock()
		if probed[key] == e {
			delete(probed, key) // interrupted, not an answer: probe again next time
		}
		probeMu.Unlock()
	}
	return e.in
}

// envProbePrefix starts the environment variables through which a process
// hands its successful probes down to its child processes: a sweep
// probes each interpreter once, and each trial child then starts its
// interpreter only to run the model, not once more to probe it (a Python
// probe cost 100-400 ms per trial on 2 cores).
const envProbePrefix = "CONCBENCH_PROBE_"

// probeRecord is an inherited probe, with the key it answers.
type probeRecord struct {
	Key, Path, Version, Label, Uvloop string
}

// probeVar is the environment variable holding key's probe.
func probeVar(key string) string {
	return envProbePrefix + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, key)
}

// inherited returns the probe of key a parent process handed down.
func inherited(key string) (interp, bool) {
	var r probeRecord
	if v := os.Getenv(probeVar(key)); v == "" || json.Unmarshal([]byte(v), &r) != nil || r.Key != key || r.Path == "" {
		return interp{}, false
	}
	return interp{Path: r.Path, Version: r.Version, Label: r.Label, Uvloop: r.Uvloop}, true
}

// bequeath puts key's successful probe in this process's environment,
// which child processes inherit.
func bequeath(key string, in interp) {
	b, err := json.Marshal(probeRecord{Key: key, Path: in.Path, Version: in.Version, Label: in.Label, Uvloop: in.Uvloop})
	if err == nil {
		_ = os.Setenv(probeVar(key), string(b))
	}
}

// configured returns the interpreter named by env, or def on PATH.
func configured(env, def string) (string, error) {
	name := os.Getenv(env)
	if name == "" {
		name = def
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found (install it, put it on PATH, or set %s to its path)", name, env)
	}
	return p, nil
}

// pyProbe prints the facts the Python models need as JSON.
const pyProbe = `import json, sys
try:
    import uvloop
    uv = uvloop.__version__
except Exception:
    uv = ""
print(json.dumps({"version": sys.version.split()[0], "ok": sys.version_info >= (3, 8), "uvloop": uv, "exe": sys.executable}))`

// probe runs path with args and decodes its JSON output into v. The
// probed program leads its own process group, and the whole group is
// killed when the probe ends (its time is up, the probe context ends, or
// the program exited leaving children), so a wrapper that forks children
// can neither hold the probe past its timeout nor outlive it.
func probe(path string, v any, args ...string) error {
	probeBaseMu.Lock()
	base := probeBase
	probeBaseMu.Unlock()
	ctx, cancel := context.WithTimeout(base, probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error {
		killGroup(cmd.Process.Pid)
		return cmd.Process.Kill()
	}
	// Children left holding stdout do not keep Wait waiting.
	cmd.WaitDelay = 100 * time.Millisecond
	out, err := cmd.Output()
	if cmd.Process != nil {
		killGroup(cmd.Process.Pid) // whatever the program left behind
	}
	if err := base.Err(); err != nil {
		return fmt.Errorf("probe of %s stopped: %w", path, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s did not answer its probe within %v (a hung interpreter or wrapper?)", path, probeTimeout)
	}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && len(ee.Stderr) > 0 {
			var t tailbuf.Tail
			t.Write(ee.Stderr)
			return fmt.Errorf("%s does not run: %s", path, clip(t.LastLine()))
		}
		return fmt.Errorf("%s does not run: %w", path, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("%s: unexpected probe output %q", path, clip(string(out)))
	}
	return nil
}

// probePython describes the Python interpreter at path.
func probePython(path string) interp {
	var r struct {
		Version string `json:"version"`
		OK      bool   `json:"ok"`
		Uvloop  string `json:"uvloop"`
		Exe     string `json:"exe"`
	}
	in := interp{Path: path}
	if in.Err = probe(path, &r, "-c", pyProbe); in.Err != nil {
		return in
	}
	in.Version, in.Uvloop = r.Version, r.Uvloop
	if r.Exe != "" {
		// The interpreter itself, not a wrapper (a pyenv shim costs a
		// shell start per trial).
		path, in.Path = r.Exe, r.Exe
	}
	in.Label = fmt.Sprintf("CPython %s (%s)", r.Version, path)
	if !r.OK {
		in.Err = fmt.Errorf("%s is Python %s; the Python models need %s or newer (set %s to a newer python3)", path, r.Version, minPython, EnvPython)
	}
	return in
}

// python returns the configured Python interpreter.
func python() interp {
	return cached("python="+os.Getenv(EnvPython), func() interp {
		path, err := configured(EnvPython, "python3")
		if err != nil {
			return interp{Err: err}
		}
		return probePython(path)
	})
}

// uvloopPython returns an interpreter that can import uvloop: the
// configured one, else the system's /usr/bin/python3.
func uvloopPython() interp {
	return cached("uvloop="+os.Getenv(EnvPython), func() interp {
		py := python()
		if py.Err == nil && py.Uvloop != "" {
			return py
		}
		tried := []string{}
		if py.Path != "" {
			tried = append(tried, py.Path+" "+py.Version)
		}
		if sys, err := filepath.EvalSymlinks(systemPython); err == nil {
			own, _ := filepath.EvalSymlinks(py.Path)
			if sys != own || py.Path == "" {
				cand := probePython(systemPython)
				if cand.Err == nil && cand.Uvloop != "" {
					return cand
				}
				tried = append(tried, systemPython+" "+cand.Version)
			}
		}
		return interp{Err: fmt.Errorf("no python3 with uvloop found (tried %s): install it (Debian: apt-get install python3-uvloop) or set %s to an interpreter that has it",
			strings.Join(tried, ", "), EnvPython)}
	})
}

// node returns the configured Node.js binary.
func node() interp {
	return cached("node="+os.Getenv(EnvNode), func() interp {
		path, err := configured(EnvNode, "node")
		if err != nil {
			return interp{Err: err}
		}
		var r struct {
			Version string `json:"version"`
		}
		in := interp{Path: path}
		if in.Err = probe(path, &r, "-e", "process.stdout.write(JSON.stringify({version: process.version}))"); in.Err == nil {
			in.Version = r.Version
			in.Label = fmt.Sprintf("Node.js %s (%s)", r.Version, path)
			var major int
			if _, err := fmt.Sscanf(r.Version, "v%d", &major); err != nil || major < minNode {
				in.Err = fmt.Errorf("%s is Node.js %s; the Node models need v%d or newer (set %s to a newer node)", path, r.Version, minNode, EnvNode)
			}
		}
		return in
	})
}

// clip shortens s for an error message.
func clip(s string) string {
	const limit = 200
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}
