package tailbuf

import (
	"fmt"
	"strings"
	"testing"
)

func TestTail(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		writes []string
		want   string // LastLine
		kept   int    // len(String()) at most
	}{
		{"empty", 0, nil, "", 0},
		{"one line", 0, []string{"boom\n"}, "boom", 4},
		{"last of several", 0, []string{"a\nb\n", "c\n\n"}, "c", 5},
		{"keeps only the tail", 8, []string{strings.Repeat("x", 100), "\nlast"}, "last", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &Tail{Max: tt.max}
			for _, s := range tt.writes {
				if n, err := fmt.Fprint(w, s); err != nil || n != len(s) {
					t.Fatalf("Write(%q) = %d, %v", s, n, err)
				}
			}
			if got := w.LastLine(); got != tt.want {
				t.Errorf("LastLine() = %q, want %q", got, tt.want)
			}
			if got := len(w.String()); got > tt.kept {
				t.Errorf("kept %d bytes, want at most %d", got, tt.kept)
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	w := &Tail{}
	fmt.Fprint(w, "first\nsecond\n")
	if got, want := w.OneLine(), "first; second"; got != want {
		t.Errorf("OneLine() = %q, want %q", got, want)
	}
}
