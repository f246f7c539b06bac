package server

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSpawn(t *testing.T) {
	checkFDs(t)
	p, err := Spawn(context.Background(), Options{MaxSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20
	for i := 0; i < n; i++ {
		if code, body := get(t, "GET", "http://"+p.Addr()+"/io?delay=0s&size=100000"); code != 200 || len(body) != 100000 {
			t.Fatalf("status %d, %d bytes", code, len(body))
		}
	}
	// Its caps are the ones we passed.
	if code, _ := get(t, "GET", "http://"+p.Addr()+"/io?delay=0s&size=2000000"); code != 400 {
		t.Errorf("over the size cap: status %d", code)
	}
	u, err := p.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if u.CPUSeconds() <= 0 || u.MaxRSS < 1<<20 || u.Requests != n {
		t.Errorf("usage %+v: want CPU > 0, RSS >= 1MiB, %d requests", u, n)
	}
	if u2, err := p.Stop(); err != nil || u2 != u {
		t.Errorf("second Stop: %+v, %v", u2, err)
	}
	if err := syscall.Kill(p.PID(), 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("server process still exists after Stop: %v", err)
	}
}

// TestSpawnKilled checks Stop reports a server that died mid-run.
func TestSpawnKilled(t *testing.T) {
	checkFDs(t)
	p, err := Spawn(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(p.PID(), syscall.SIGKILL)
	_, err = p.Stop()
	if err == nil || !strings.Contains(err.Error(), "exited abnormally: signal: killed") {
		t.Fatalf("Stop after SIGKILL: %v", err)
	}
}

// TestSpawnContext checks the server stops (cleanly) when the spawning
// context ends.
func TestSpawnContext(t *testing.T) {
	checkFDs(t)
	ctx, cancel := context.WithCancel(context.Background())
	p, err := Spawn(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-p.exited:
	case <-time.After(StopGrace + 5*time.Second):
		t.Fatal("server did not exit after its context ended")
	}
	if _, err := p.Stop(); err != nil {
		t.Errorf("Stop after cancel: %v", err)
	}
}

func TestSpawnBadOptions(t *testing.T) {
	checkFDs(t)
	if _, err := Spawn(context.Background(), Options{MaxSize: -1}); !errors.Is(err, ErrUsage) {
		t.Errorf("Spawn with bad options: %v, want a usage error", err)
	}
	// The port is taken: the child fails and Spawn says why.
	s := start(t, Options{})
	_, err := Spawn(context.Background(), Options{Addr: s.Addr()})
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("Spawn on a busy port: %v", err)
	}
}
