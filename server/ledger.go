package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The ledger: the server's own record of every /io request it accepted,
// written by the server, never by a client, so the harness can check each
// Net step a model claims against it (bench/ledger.go): its seed answered
// exactly once, with the step's delay and size, inside the step's claimed
// interval. Times are CLOCK_MONOTONIC ns, the clock of the harness's
// Recorder on the same host (Go's monotonic clock on Linux).
//
// GET /ledger returns the entries since the last reset as binary,
// little-endian: count:u64 dropped:u64, then count records of
// seed:u64 delay:i64 waited:i64 size:i64 accept:i64 answer:i64.
// GET /ledger?reset=1 returns them and starts an empty ledger in the same
// step, so one server can serve several trials, each with its own ledger
// (take once before the trial's clock starts, discarding, and once after).

// Entry is one /io request in the ledger.
type Entry struct {
	// Seed, Delay and Size are what the request asked for.
	Seed  uint64
	Delay time.Duration
	Size  int64
	// Waited is the delay the server applied (Delay, unless a delay
	// distribution spread it).
	Waited time.Duration
	// Accept is when the handler received the request; Answer when it
	// began writing the answer after waiting (0: never answered: the client
	// went away or the server stopped first). CLOCK_MONOTONIC ns; 0 on
	// systems without it.
	Accept, Answer int64
}

// LedgerPath is the ledger's endpoint.
const LedgerPath = "/ledger"

// MaxLedger bounds the entries a ledger holds; requests beyond it are
// counted as dropped, and a check that needs them says so.
const MaxLedger = 1 << 21

// entrySize is the wire size of an Entry.
const entrySize = 6 * 8

// Ledger is a server's record of /io requests, safe for concurrent use.
type Ledger struct {
	mu      sync.Mutex
	entries []Entry
	dropped int64
}

// add records e.
func (l *Ledger) add(e Entry) {
	l.mu.Lock()
	if len(l.entries) < MaxLedger {
		l.entries = append(l.entries, e)
	} else {
		l.dropped++
	}
	l.mu.Unlock()
}

// Snapshot returns the entries since the last reset and how many requests
// did not fit; with reset it also empties the ledger.
func (l *Ledger) Snapshot(reset bool) (entries []Entry, dropped int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	entries, dropped = l.entries, l.dropped
	if reset {
		l.entries, l.dropped = nil, 0
	} else {
		entries = append([]Entry(nil), entries...)
	}
	return entries, dropped
}

// Ledger returns the server's ledger.
func (s *Server) Ledger() *Ledger { return &s.ledger }

// serveLedger answers GET /ledger[?reset=1].
func (s *Server) serveLedger(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		http.Error(w, fmt.Sprintf("method %s not allowed (only GET)", r.Method), http.StatusMethodNotAllowed)
		return
	}
	reset := false
	switch q := r.URL.RawQuery; q {
	case "":
	case "reset=1":
		reset = true
	default:
		http.Error(w, fmt.Sprintf("bad ledger query %q (allowed: none, or reset=1)", q), http.StatusBadRequest)
		return
	}
	entries, dropped := s.ledger.Snapshot(reset)
	b := make([]byte, 0, 16+entrySize*len(entries))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(entries)))
	b = binary.LittleEndian.AppendUint64(b, uint64(dropped))
	for _, e := range entries {
		b = binary.LittleEndian.AppendUint64(b, e.Seed)
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Delay))
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Waited))
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Size))
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Accept))
		b = binary.LittleEndian.AppendUint64(b, uint64(e.Answer))
	}
	w.Header()["Content-Type"] = contentType
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.Write(b)
}

// FetchLedger reads the ledger of the server at addr (host:port); with
// reset the server starts an empty one in the same step.
func FetchLedger(ctx context.Context, addr string, reset bool) (entries []Entry, dropped int64, err error) {
	url := "http://" + addr + LedgerPath
	if reset {
		url += "?reset=1"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch ledger: %w", err)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("fetch ledger: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, 0, fmt.Errorf("fetch ledger: %s: %s", resp.Status, msg)
	}
	var head [16]byte
	if _, err := io.ReadFull(resp.Body, head[:]); err != nil {
		return nil, 0, fmt.Errorf("fetch ledger: header: %w", err)
	}
	n := binary.LittleEndian.Uint64(head[:])
	dropped = int64(binary.LittleEndian.Uint64(head[8:]))
	if n > MaxLedger {
		return nil, 0, fmt.Errorf("fetch ledger: %d entries (at most %d)", n, MaxLedger)
	}
	buf := make([]byte, entrySize*int(n))
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		return nil, 0, fmt.Errorf("fetch ledger: %d entries announced: %w", n, err)
	}
	if extra, _ := resp.Body.Read(head[:1]); extra > 0 {
		return nil, 0, errors.New("fetch ledger: bytes after the last entry")
	}
	entries = make([]Entry, n)
	for i := range entries {
		p := buf[i*entrySize:]
		entries[i] = Entry{
			Seed:   binary.LittleEndian.Uint64(p),
			Delay:  time.Duration(binary.LittleEndian.Uint64(p[8:])),
			Waited: time.Duration(binary.LittleEndian.Uint64(p[16:])),
			Size:   int64(binary.LittleEndian.Uint64(p[24:])),
			Accept: int64(binary.LittleEndian.Uint64(p[32:])),
			Answer: int64(binary.LittleEndian.Uint64(p[40:])),
		}
	}
	return entries, dropped, nil
}

// Ledger fetches the spawned server's ledger (FetchLedger).
func (p *Process) Ledger(ctx context.Context, reset bool) ([]Entry, int64, error) {
	return FetchLedger(ctx, p.addr, reset)
}

// Monotonic returns CLOCK_MONOTONIC in ns, the clock of the ledger's
// times (0 where the system has none), so a reader can place them on its
// own monotonic clock.
func Monotonic() int64 { return monotonic() }
