package runtimes

import (
	"errors"
	"testing"
)

// A probe made by a parent reaches its children through the environment,
// so a child does not start the interpreter again to probe it; a failed
// probe is not handed down, and a record for another key is ignored.
func TestProbeInherited(t *testing.T) {
	tests := []struct {
		name     string
		parent   interp
		childKey string
		want     bool
	}{
		{"same key", interp{Path: "/x/python3", Version: "3.11.2", Label: "CPython 3.11.2 (/x/python3)", Uvloop: "0.17"}, "test=a", true},
		{"other key", interp{Path: "/x/python3", Version: "3.11.2"}, "test=b", false},
		{"failed probe", interp{Path: "/x/python3", Err: errTest}, "test=a", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(probeVar("test=a"), "")
			t.Setenv(probeVar("test=b"), "")
			probeMu.Lock()
			delete(probed, "test=a")
			probeMu.Unlock()
			cached("test=a", func() interp { return tt.parent })
			// A child process: its own cache is empty.
			probeMu.Lock()
			delete(probed, "test=a")
			delete(probed, "test=b")
			probeMu.Unlock()
			ran := false
			got := cached(tt.childKey, func() interp { ran = true; return interp{Path: "probed"} })
			if ran == tt.want {
				t.Fatalf("child probed again: %v, want %v", ran, !tt.want)
			}
			if tt.want && (got.Path != tt.parent.Path || got.Label != tt.parent.Label || got.Uvloop != tt.parent.Uvloop) {
				t.Fatalf("inherited %+v, want %+v", got, tt.parent)
			}
		})
	}
}

var errTest = errors.New("probe failed")
