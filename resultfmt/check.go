package resultfmt

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Check is one invariant the harness checks after every trial (README,
// "How a trial is measured"): a comparison of what a model claims (its stamps, its digests, its
// counts) with evidence the model does not write, named in Evidence. A
// failed check is a bug in the tool (or a broken machine), never a
// finding: the report names every one at its top.
type Check struct {
	// Name is the invariant's short name, e.g. "harness-clock".
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	// Value is what was measured and Bound what it is compared with, in
	// the invariant's unit (Detail says which). A non-finite value (an
	// infinite rate, say) is written as the string "+Inf", "-Inf" or
	// "NaN", so no value of a check can make a result unwritable.
	Value float64 `json:"value"`
	Bound float64 `json:"bound"`
	// Detail is one sentence: what was compared, in words and numbers.
	Detail string `json:"detail"`
	// Evidence names the source the model's claim is compared with (one
	// of the Evidence* constants), which the model does not write.
	Evidence string `json:"evidence"`
}

// The evidence sources (README, "How a trial is measured").
const (
	// EvidenceClock: the harness's own clock around the model's Run.
	EvidenceClock = "harness-clock"
	// EvidenceFloors: bounds computed from the task list before the trial.
	EvidenceFloors = "task-floors"
	// EvidenceRelease: the harness's own record of when it released each
	// task (its schedule, or the completions that freed a closed client).
	EvidenceRelease = "harness-release"
	// EvidenceKernel: the kernel's counters of the trial's process tree
	// (CPU time, bytes read).
	EvidenceKernel = "kernel-counters"
	// EvidenceLedger: the latency server's ledger of requests.
	EvidenceLedger = "server-ledger"
	// EvidenceDigest: digests recomputed by the harness.
	EvidenceDigest = "nonce-digest"
)

// Independent reports whether c names its evidence: every source named is
// one the model does not write (results from before the field have none).
func (c Check) Independent() bool { return c.Evidence != "" }

// checkJSON is Check as written, its numbers as JSON values that may be
// strings.
type checkJSON struct {
	Name     string          `json:"name"`
	OK       bool            `json:"ok"`
	Value    json.RawMessage `json:"value"`
	Bound    json.RawMessage `json:"bound"`
	Detail   string          `json:"detail"`
	Evidence string          `json:"evidence"`
}

// MarshalJSON writes c, with non-finite numbers as strings.
func (c Check) MarshalJSON() ([]byte, error) {
	return json.Marshal(checkJSON{Name: c.Name, OK: c.OK, Value: finiteJSON(c.Value), Bound: finiteJSON(c.Bound), Detail: c.Detail, Evidence: c.Evidence})
}

// UnmarshalJSON reads c, accepting the strings MarshalJSON writes for
// non-finite numbers.
func (c *Check) UnmarshalJSON(b []byte) error {
	var j checkJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	v, err := parseFinite(j.Value)
	if err != nil {
		return fmt.Errorf("check %q: value: %w", j.Name, err)
	}
	bd, err := parseFinite(j.Bound)
	if err != nil {
		return fmt.Errorf("check %q: bound: %w", j.Name, err)
	}
	*c = Check{Name: j.Name, OK: j.OK, Value: v, Bound: bd, Detail: j.Detail, Evidence: j.Evidence}
	return nil
}

func finiteJSON(v float64) json.RawMessage {
	switch {
	case math.IsNaN(v):
		return json.RawMessage(`"NaN"`)
	case math.IsInf(v, 1):
		return json.RawMessage(`"+Inf"`)
	case math.IsInf(v, -1):
		return json.RawMessage(`"-Inf"`)
	}
	return json.RawMessage(strconv.FormatFloat(v, 'g', -1, 64))
}

func parseFinite(b json.RawMessage) (float64, error) {
	if len(b) == 0 || string(b) == "null" {
		return 0, nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "+Inf":
			return math.Inf(1), nil
		case "-Inf":
			return math.Inf(-1), nil
		}
		return 0, fmt.Errorf("%q is not a number (allowed: a number, \"+Inf\", \"-Inf\", \"NaN\")", s)
	}
	var v float64
	err := json.Unmarshal(b, &v)
	return v, err
}

// Violations returns the invariants r failed.
func (r Result) Violations() []Check {
	var out []Check
	for _, c := range r.Invariants {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// ViolationNames joins the names of r's failed invariants with "+" ("" if
// none), for the CSV and short listings.
func (r Result) ViolationNames() string {
	var names []string
	for _, c := range r.Violations() {
		names = append(names, c.Name)
	}
	return strings.Join(names, "+")
}

// SetCheck records c in r, replacing an earlier check of the same name (a
// parent process re-checks what it measured itself).
func (r *Result) SetCheck(c Check) {
	for i := range r.Invariants {
		if r.Invariants[i].Name == c.Name {
			r.Invariants[i] = c
			return
		}
	}
	r.Invariants = append(r.Invariants, c)
}
