package runtimes

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"concbench/models"
	"concbench/workload"
	"concbench/workload/httpwire"
)

// The wire protocol between Model and a runner (documented for the runners
// at the top of python/runner.py):
//
//	to the runner:   header JSON line; arrivals int64[n] (open loads only);
//	                 Net seeds uint64[nseeds]; ids uint32[n]; shapes
//	                 uint32[n]; later "go T0 NONCE\n" (time zero, and the
//	                 trial's nonce in decimal: CPU seeds are workload.CPUSeed,
//	                 File outputs workload.FileProof)
//	from the runner: "ready {json}\n"; then "done {json}\n" + arrive, start,
//	                 end int64[n], result uint64[n], who int32[n], inner
//	                 int64[n] (if "inner"), CPU intervals int64[2*ncpu];
//	                 or "fail {json}\n"
//
// Binary arrays are little-endian; times are CLOCK_MONOTONIC ns.
//
// Note: tasks travel as a table of distinct step lists ("shapes") plus one
// index per task, not as JSON per task: a million no-op tasks cost the
// runner 8 bytes each to receive, like the Go models' shared Steps slices,
// so the runner's memory per in-flight task is its model's, not the wire's.

// header is the first line the runner reads.
type header struct {
	Model       string  `json:"model"`
	Concurrency int     `json:"concurrency"`
	Workers     int     `json:"workers,omitempty"`
	Load        string  `json:"load"`
	Clients     int     `json:"clients,omitempty"`
	Env         wireEnv `json:"env"`
	N           int     `json:"n"`
	NSeeds      int     `json:"nseeds"`
	Shapes      [][]any `json:"shapes"`
}

// wireEnv is workload.Env as the runners see it.
type wireEnv struct {
	Host     string   `json:"host,omitempty"`
	Port     int      `json:"port,omitempty"`
	Files    []string `json:"files,omitempty"`
	Conns    int      `json:"conns"`
	TimeoutS float64  `json:"timeout_s"`
}

// wireStep encodes one step as [kind, a, b]: sleep/block [k, ns]; cpu
// [k, kernel, units]; net [k, "delay", size]; file [k, off, size].
func wireStep(s workload.Step) []any {
	switch s.Kind {
	case workload.Sleep, workload.Block:
		return []any{s.Kind, int64(s.Dur)}
	case workload.CPU:
		return []any{s.Kind, s.Kernel, s.Units}
	case workload.Net:
		return []any{s.Kind, string(httpwire.AppendDuration(nil, s.Dur)), s.Size}
	case workload.File:
		return []any{s.Kind, s.Off, s.Size}
	}
	return []any{s.Kind}
}

// shapeTable assigns every task the index of its step list in a table of
// distinct lists. Tasks sharing a Steps slice are recognised by pointer.
func shapeTable(tasks []workload.Task) (shapes [][]any, of []uint32) {
	of = make([]uint32, len(tasks))
	byKey := map[string]uint32{}
	var lastPtr *workload.Step
	lastLen, last := -1, uint32(0)
	for i, t := range tasks {
		p := unsafe.SliceData(t.Steps)
		if p == lastPtr && len(t.Steps) == lastLen {
			of[i] = last
			continue
		}
		key := fmt.Sprint(t.Steps)
		k, ok := byKey[key]
		if !ok {
			k = uint32(len(shapes))
			byKey[key] = k
			enc := make([]any, len(t.Steps))
			for j, s := range t.Steps {
				enc[j] = wireStep(s)
			}
			shapes = append(shapes, enc)
		}
		of[i], lastPtr, lastLen, last = k, p, len(t.Steps), k
	}
	return shapes, of
}

// writeTrial writes the header and task arrays for runner model name:
// conc is its concurrency, workers its worker pool's size (if apart).
func writeTrial(w io.Writer, name string, conc, workers int, tr *models.Trial) error {
	shapes, of := shapeTable(tr.Tasks)
	var seeds []uint64
	for _, t := range tr.Tasks {
		for k, s := range t.Steps {
			if s.Kind == workload.Net {
				seeds = append(seeds, workload.NetSeed(t.ID, k))
			}
		}
	}
	h := header{Model: name, Concurrency: conc, Workers: workers, Load: tr.Load.Shape.String(), Clients: tr.Load.Clients,
		N: len(tr.Tasks), NSeeds: len(seeds), Shapes: shapes}
	env := tr.Env
	h.Env = wireEnv{Files: env.Files, Conns: env.Conns, TimeoutS: workload.DefaultStepTimeout.Seconds()}
	if env.StepTimeout > 0 {
		h.Env.TimeoutS = env.StepTimeout.Seconds()
	}
	if h.Env.Conns <= 0 {
		h.Env.Conns = models.Conns(conc, len(tr.Tasks))
	}
	if env.ServerAddr != "" {
		host, port, err := net.SplitHostPort(env.ServerAddr)
		if err != nil {
			return fmt.Errorf("server address %q: %w", env.ServerAddr, err)
		}
		h.Env.Host = host
		if h.Env.Port, err = strconv.Atoi(port); err != nil {
			return fmt.Errorf("server address %q: bad port", env.ServerAddr)
		}
	}
	line, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("encode trial header: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(line)
	bw.WriteByte('\n')
	var b [8]byte
	if tr.Load.Shape == models.Open {
		for _, a := range tr.Load.Arrivals {
			binary.LittleEndian.PutUint64(b[:], uint64(a))
			bw.Write(b[:])
		}
	}
	for _, s := range seeds {
		binary.LittleEndian.PutUint64(b[:], s)
		bw.Write(b[:])
	}
	for _, t := range tr.Tasks {
		binary.LittleEndian.PutUint32(b[:4], t.ID)
		bw.Write(b[:4])
	}
	for _, k := range of {
		binary.LittleEndian.PutUint32(b[:4], k)
		bw.Write(b[:4])
	}
	return bw.Flush()
}

// readyMsg is the runner's "ready" line.
type readyMsg struct {
	Runtime    string `json:"runtime"`
	Executable string `json:"executable"`
	PID        int    `json:"pid"`
	Workers    []int  `json:"workers"`
	Uvloop     string `json:"uvloop,omitempty"`
}

// doneMsg heads the runner's records.
type doneMsg struct {
	N     int  `json:"n"`
	NCPU  int  `json:"ncpu"`
	Inner bool `json:"inner"`
}

// failMsg is the runner's report of a failed task.
type failMsg struct {
	Task  int    `json:"task"`
	Step  int    `json:"step"`
	Error string `json:"error"`
}

// records are the per-task figures a runner reports (CLOCK_MONOTONIC ns).
type records struct {
	arrive, start, end []int64
	result             []uint64
	who                []int32
	inner              []int64
	cpu                []int64
}

// maxCPUIntervals bounds the CPU intervals a runner may report.
const maxCPUIntervals = 1 << 26

// readRecords reads the arrays that follow a "done" line.
func readRecords(r io.Reader, d doneMsg, n int) (*records, error) {
	if d.N != n {
		return nil, fmt.Errorf("runner reported %d tasks, the trial has %d", d.N, n)
	}
	if d.NCPU < 0 || d.NCPU > maxCPUIntervals {
		return nil, fmt.Errorf("runner reported %d CPU intervals (allowed 0..%d)", d.NCPU, maxCPUIntervals)
	}
	rec := &records{arrive: make([]int64, n), start: make([]int64, n), end: make([]int64, n),
		result: make([]uint64, n), who: make([]int32, n), cpu: make([]int64, 2*d.NCPU)}
	arrays := []any{rec.arrive, rec.start, rec.end, rec.result, rec.who}
	if d.Inner {
		rec.inner = make([]int64, n)
		arrays = append(arrays, rec.inner)
	}
	arrays = append(arrays, rec.cpu)
	for _, a := range arrays {
		if err := binary.Read(r, binary.LittleEndian, a); err != nil {
			return nil, fmt.Errorf("read records: %w", err)
		}
	}
	return rec, nil
}

// peakOverlap returns the most intervals [start[i], end[i]) in progress at
// one instant: both ends sorted, swept together (an interval ending when
// another starts does not overlap it).
func peakOverlap(start, end []int64) int64 {
	s := append([]int64(nil), start...)
	e := append([]int64(nil), end...)
	slices.Sort(s)
	slices.Sort(e)
	var cur, peak int64
	j := 0
	for _, t := range s {
		for j < len(e) && e[j] <= t {
			j++
			cur--
		}
		cur++
		peak = max(peak, cur)
	}
	return peak
}

// splitIntervals splits flat (start, end) pairs into two slices.
func splitIntervals(iv []int64) (start, end []int64) {
	start = make([]int64, 0, len(iv)/2)
	end = make([]int64, 0, len(iv)/2)
	for k := 0; k+1 < len(iv); k += 2 {
		start = append(start, iv[k])
		end = append(end, iv[k+1])
	}
	return start, end
}

// startTimeout bounds how long a runner may take to start (interpreter
// boot, imports, pools).
const startTimeout = 60 * time.Second
