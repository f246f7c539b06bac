package bench

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"concbench/server"
	"concbench/workload"
)

// TestRemoteServer: with CONCBENCH_SERVER set, Net steps go to that server
// (here one started by the test, standing in for another host) instead of a
// per-trial one, and the run's metadata names it.
func TestRemoteServer(t *testing.T) {
	srv, err := server.Spawn(context.Background(), server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvServer, srv.Addr())
	res := mustRun(t, Spec{Model: "goroutines", Workload: "io-net", Tasks: 30,
		Params: workload.Params{NetDelay: time.Millisecond, NetSize: 256}})
	if res.Verified != 30 || res.ServerRequests != 0 || res.ServerCPU != 0 {
		t.Errorf("verified %d, local server requests %d CPU %g; want 30 verified and no local server", res.Verified, res.ServerRequests, res.ServerCPU)
	}
	u, err := srv.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if u.Requests != 30 {
		t.Errorf("the remote server answered %d requests, want 30", u.Requests)
	}
	m := CollectMeta(0)
	if m.Server != srv.Addr() || !strings.Contains(strings.Join(m.Warnings, "\n"), "on another host") {
		t.Errorf("meta server %q warnings %q; want %q named", m.Server, m.Warnings, srv.Addr())
	}

	t.Setenv(EnvServer, "no-port")
	if _, err := Run(context.Background(), Spec{Model: "goroutines", Workload: "io-net", Tasks: 1}); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "want host:port") {
		t.Errorf("bad %s: err %v, want a usage error", EnvServer, err)
	}
}
