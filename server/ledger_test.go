package server

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"concbench/workload/httpwire"
)

// TestLedger: every /io request is in the ledger with what it asked, the
// delay the server waited and its accept and answer times on
// CLOCK_MONOTONIC; a request whose client left before the answer is there
// unanswered; reset=1 starts a new ledger; the spawned server serves it.
func TestLedger(t *testing.T) {
	checkFDs(t)
	s := start(t, Options{})
	base := "http://" + s.Addr()
	t0 := Monotonic()
	for _, q := range []string{"delay=3ms&size=10&seed=7", "delay=0s&size=0&seed=8", "delay=1ms&size=5"} {
		if code, _ := get(t, http.MethodGet, base+"/io?"+q); code != http.StatusOK {
			t.Fatalf("%s: status %d", q, code)
		}
	}
	// A client that sends its request and leaves before the answer.
	conn, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	conn.Write(httpwire.AppendRequest(nil, s.Addr(), time.Second, 1, 9))
	waitFor(t, func() bool { e, _ := s.Ledger().Snapshot(false); return len(e) == 3 && s.active.Load() == 1 })
	conn.Close()
	waitFor(t, func() bool { e, _ := s.Ledger().Snapshot(false); return len(e) == 4 })
	t1 := Monotonic()

	entries, dropped, err := FetchLedger(context.Background(), s.Addr(), true)
	if err != nil || dropped != 0 || len(entries) != 4 {
		t.Fatalf("FetchLedger: %d entries, %d dropped, %v", len(entries), dropped, err)
	}
	want := []Entry{
		{Seed: 7, Delay: 3 * time.Millisecond, Waited: 3 * time.Millisecond, Size: 10},
		{Seed: 8, Delay: 0, Waited: 0, Size: 0},
		{Seed: 0, Delay: time.Millisecond, Waited: time.Millisecond, Size: 5},
		{Seed: 9, Delay: time.Second, Waited: time.Second, Size: 1},
	}
	for i, e := range entries {
		w := want[i]
		if e.Seed != w.Seed || e.Delay != w.Delay || e.Waited != w.Waited || e.Size != w.Size {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
		if e.Accept < t0 || e.Accept > t1 {
			t.Errorf("entry %d accepted at %d, outside the test's [%d, %d] on CLOCK_MONOTONIC", i, e.Accept, t0, t1)
		}
		switch {
		case i == 3 && e.Answer != 0:
			t.Errorf("entry %d: the client left before the answer, but it was answered at %d", i, e.Answer)
		case i < 3 && (e.Answer < e.Accept+int64(e.Waited) || e.Answer > t1):
			t.Errorf("entry %d answered at %d, want in [accept + waited %d, %d]", i, e.Answer, e.Accept+int64(e.Waited), t1)
		}
	}
	if e, _, err := FetchLedger(context.Background(), s.Addr(), false); err != nil || len(e) != 0 {
		t.Errorf("after reset=1: %d entries, %v; want a new, empty ledger", len(e), err)
	}
	if code, _ := get(t, http.MethodGet, base+"/ledger?clear"); code != http.StatusBadRequest {
		t.Errorf("bad ledger query: status %d, want 400", code)
	}
	if code, _ := get(t, http.MethodPost, base+"/ledger"); code != http.StatusMethodNotAllowed {
		t.Errorf("POST /ledger: status %d, want 405", code)
	}

	p, err := Spawn(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	if code, _ := get(t, http.MethodGet, "http://"+p.Addr()+"/io?delay=0s&size=3&seed=11"); code != http.StatusOK {
		t.Fatalf("spawned server: status %d", code)
	}
	if e, _, err := p.Ledger(context.Background(), false); err != nil || len(e) != 1 || e[0].Seed != 11 || e[0].Size != 3 {
		t.Errorf("spawned server's ledger: %+v, %v", e, err)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not reached within 5 s")
}

// BenchmarkLedger is the ledger's cost per /io request on the server's
// hot path: two CLOCK_MONOTONIC reads and one append under a mutex, from
// every core at once.
func BenchmarkLedger(b *testing.B) {
	var l Ledger
	b.RunParallel(func(pb *testing.PB) {
		for n := 1; pb.Next(); n++ {
			e := Entry{Seed: 1, Delay: time.Millisecond, Size: 1024, Accept: monotonic()}
			e.Answer = monotonic()
			l.add(e)
			if n%(1<<16) == 0 {
				l.Snapshot(true) // a trial's end: the ledger starts again
			}
		}
	})
}
