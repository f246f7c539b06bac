package bench

import (
	"context"
	"fmt"
	"os"

	"concbench/server"
	"concbench/workload"
)

// resources is what a trial's steps touch outside the process: the latency
// server (a separate child process, so its CPU stays out of the model's
// figures) and the data files.
type resources struct {
	srv *server.Process
	dir string
}

// prepare starts the latency server for workloads with Net steps and makes
// the data files for workloads with File steps, before the trial's clock
// starts. release tears both down.
func prepare(ctx context.Context, spec Spec) (workload.Env, *resources, error) {
	pr, _ := workload.Lookup(spec.Workload)
	env := workload.Env{Direct: spec.Direct}
	rs := &resources{}
	if pr.NeedsNet {
		srv, err := server.Spawn(ctx, server.Options{
			MaxDelay: max(server.Defaults.MaxDelay, 2*spec.Params.NetDelay),
			MaxSize:  max(server.Defaults.MaxSize, spec.Params.NetSize),
		})
		if err != nil {
			return env, nil, fmt.Errorf("start latency server: %w", err)
		}
		rs.srv = srv
		env.ServerAddr = srv.Addr()
	}
	if pr.NeedsFiles {
		dir, err := os.MkdirTemp("", "concbench-files-")
		if err != nil {
			rs.release()
			return env, nil, fmt.Errorf("data files: %w", err)
		}
		rs.dir = dir
		if env.Files, err = workload.MakeFiles(dir, spec.Params); err != nil {
			rs.release()
			return env, nil, err
		}
	}
	return env, rs, nil
}

// release stops the server (returning its usage) and removes the files.
func (rs *resources) release() (server.Usage, error) {
	var u server.Usage
	var err error
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
