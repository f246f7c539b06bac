package serverrole

import (
	"context"
	"fmt"
	"os"

	"concbench/server"
	"concbench/workload"
)

// resources are what the server's handlers reach: the latency server of
// Net steps and the data files of File steps, owned by the parent and
// released on every exit path.
type resources struct {
	srv *server.Process
	dir string
	// key is the data set's secret (workload.Params.Key), for the
	// generator's verification of File digests.
	key uint64
}

// prepare starts what s's workload needs and returns the handlers' Env.
func prepare(ctx context.Context, s Spec) (workload.Env, *resources, error) {
	pr, err := workload.Lookup(s.Workload)
	if err != nil {
		return workload.Env{}, nil, err
	}
	var env workload.Env
	rs := &resources{}
	if pr.NeedsNet {
		srv, err := server.Spawn(ctx, server.Options{
			MaxDelay: max(server.Defaults.MaxDelay, 2*s.Params.NetDelay),
			MaxSize:  max(server.Defaults.MaxSize, s.Params.NetSize),
		})
		if err != nil {
			return env, nil, fmt.Errorf("start latency server: %w", err)
		}
		rs.srv, env.ServerAddr = srv, srv.Addr()
	}
	if pr.NeedsFiles {
		// Named as bench names its data directories (concbench-files-PID-),
		// so a concbench that finds it after this process died removes it,
		// and no live one does.
		if rs.dir, err = os.MkdirTemp("", fmt.Sprintf("concbench-files-%d-", os.Getpid())); err != nil {
			rs.release()
			return env, nil, fmt.Errorf("data files: %w", err)
		}
		rs.key = workload.NewSecret()
		p := s.Params
		p.Key = rs.key
		if env.Files, err = workload.MakeFiles(rs.dir, p); err != nil {
			rs.release()
			return env, nil, err
		}
	}
	return env, rs, nil
}

// release stops the latency server and removes the data files.
func (rs *resources) release() {
	if rs.srv != nil {
		rs.srv.Stop()
	}
	if rs.dir != "" {
		os.RemoveAll(rs.dir)
	}
}
