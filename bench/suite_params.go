package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"concbench/workload"
)

// Params are workload sizes in suite-file spelling: durations as Go
// duration strings. In Go literals (the built-in suites) zero fields take
// workload.DefaultParams; in a suite file a field that is written means
// what it says, zero included (see UnmarshalJSON).
type Params struct {
	Sleep      Duration `json:"sleep,omitempty"`
	Kernel     string   `json:"kernel,omitempty"`
	Units      uint32   `json:"units,omitempty"`
	Block      Duration `json:"block,omitempty"`
	BlockEvery int      `json:"block_every,omitempty"`
	NetDelay   Duration `json:"net_delay,omitempty"`
	NetSize    int64    `json:"net_size,omitempty"`
	ReadSize   int64    `json:"read_size,omitempty"`
	FileSize   int64    `json:"file_size,omitempty"`
	Files      int      `json:"files,omitempty"`
	Seed       uint64   `json:"seed,omitempty"`

	// exact says the fields are final (read from a file over the
	// defaults): zero means zero, or is refused where zero is not allowed.
	exact bool
}

// UnmarshalJSON reads suite-file params over the defaults, so an absent
// field takes its default and a field written as 0 means 0 (refused by
// Validate where 0 is not allowed), never silently the default. Unknown
// fields are errors.
func (p *Params) UnmarshalJSON(b []byte) error {
	type plain Params // no UnmarshalJSON: no recursion
	d := workload.DefaultParams
	v := plain{Sleep: Duration(d.Sleep), Units: d.Units, Block: Duration(d.Block), BlockEvery: d.BlockEvery,
		NetDelay: Duration(d.NetDelay), NetSize: d.NetSize, ReadSize: d.ReadSize, FileSize: d.FileSize,
		Files: d.Files, Seed: d.Seed}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("params: %w", err)
	}
	*p = Params(v)
	p.exact = true
	return nil
}

// Workload converts p to workload.Params.
func (p Params) Workload() (workload.Params, error) {
	wp := workload.Params{
		Sleep: time.Duration(p.Sleep), Units: p.Units, Block: time.Duration(p.Block),
		BlockEvery: p.BlockEvery, NetDelay: time.Duration(p.NetDelay), NetSize: p.NetSize,
		ReadSize: p.ReadSize, FileSize: p.FileSize, Files: p.Files, Seed: p.Seed, Exact: p.exact,
	}
	if p.Kernel != "" {
		k, ok := workload.Kernels[p.Kernel]
		if !ok {
			return wp, fmt.Errorf("unknown kernel %q (allowed: %s)", p.Kernel, strings.Join(sortedKeys(workload.Kernels), ", "))
		}
		wp.Kernel = k
	}
	return wp, wp.Validate()
}

// Duration is a time.Duration spelled as a Go duration string in JSON
// ("10ms"); a bare number is read as nanoseconds.
type Duration time.Duration

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a duration string or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration must be a string such as \"10ms\", got %s", b)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q (want e.g. \"10ms\", \"1.5s\")", s)
	}
	*d = Duration(v)
	return nil
}
