package report

import (
	"bytes"
	"concbench/resultfmt"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

// TestTablesFitWidths renders every table of the fixture at several
// terminal widths: no line is wider than the terminal when the first
// column fits, the core columns stay while they fit, and width 0 prints
// every column.
func TestTablesFitWidths(t *testing.T) {
	d := fixtureData(t)
	for _, tb := range buildTables(d) {
		var full bytes.Buffer
		if err := tb.Render(&full); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int{0, 40, 60, 80, 100, 120, 250} {
			var b bytes.Buffer
			if err := tb.RenderWidth(&b, width); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			w := maxLineWidth(b.Bytes())
			switch {
			case width == 0 || width >= maxLineWidth(full.Bytes()):
				if got != full.String() {
					t.Errorf("%s at width %d: not the full table", tb.ID, width)
				}
			case w > width && width >= 60:
				t.Errorf("%s at width %d: a line of %d:\n%s", tb.ID, width, w, got)
			}
			header := strings.SplitN(got, "\n", 3)[1]
			if width >= 100 {
				for _, c := range tb.Core {
					if !strings.Contains(header, c) {
						t.Errorf("%s at width %d lost the core column %q:\n%s", tb.ID, width, c, got)
					}
				}
			}
		}
	}
}

// TestRenderWidthOrder: a table keeps its core columns, adds the optional
// ones in order while they fit, then cuts ranges, then drops core columns
// from the last.
func TestRenderWidthOrder(t *testing.T) {
	tb := Table{ID: "t", Header: []string{"model", "a", "b", "c", "d"},
		Rows: [][]string{{"goroutines", "1.234 (1.200–1.300)", "22222222", "33333333", "44444444"}},
		Core: []string{"model", "a"}, More: []string{"c", "b"}}
	cases := []struct {
		width int
		want  []string
		not   []string
	}{
		{200, []string{"model", "a", "b", "c", "d", "1.300"}, nil},
		{50, []string{"model", "a", "c", "1.300"}, []string{"b", "d"}},
		{38, []string{"model", "a", "1.300"}, []string{"c"}},
		{30, []string{"model", "1.234"}, []string{"1.300"}},
		{18, []string{"model"}, []string{"1.234"}},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := tb.RenderWidth(&b, c.width); err != nil {
			t.Fatal(err)
		}
		header := strings.SplitN(b.String(), "\n", 3)[1]
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) || len(w) == 1 && !strings.Contains(header, " "+w+" ") {
				t.Errorf("width %d lacks %q:\n%s", c.width, w, b.String())
			}
		}
		for _, w := range c.not {
			if strings.Contains(header, " "+w+" ") || len(w) > 1 && strings.Contains(b.String(), w) {
				t.Errorf("width %d still has %q:\n%s", c.width, w, b.String())
			}
		}
		if got := maxLineWidth(b.Bytes()); got > c.width {
			t.Errorf("width %d: a line of %d:\n%s", c.width, got, b.String())
		}
	}
}

// TestTerminalReportFits prints the fixture's report for a 100-column
// terminal: no line over 100; in full (width 0) the tables are wider.
func TestTerminalReportFits(t *testing.T) {
	r, err := Generate(fixtureDir(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var narrow, full bytes.Buffer
	if err := r.WriteTerminalWidth(&narrow, 100); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteTerminal(&full); err != nil {
		t.Fatal(err)
	}
	if w := maxLineWidth(narrow.Bytes()); w > 100 {
		t.Errorf("a line of %d columns in a 100-column report:\n%s", w, narrow.String())
	}
	if maxLineWidth(full.Bytes()) <= 100 || !strings.Contains(full.String(), "CPU µs/task") {
		t.Errorf("the full report is not the wide one")
	}
	for _, want := range []string{"Findings:", "throughput", "report.html"} {
		if !strings.Contains(narrow.String(), want) {
			t.Errorf("narrow report lacks %q", want)
		}
	}
}

func TestWrap(t *testing.T) {
	s := "  - one two three four five six seven eight nine ten"
	got := Wrap(s, 20, "    ")
	for _, l := range strings.Split(got, "\n") {
		if runewidth.StringWidth(l) > 20 {
			t.Errorf("line %q over 20", l)
		}
	}
	if !strings.HasPrefix(got, "  - one") || strings.Join(strings.Fields(got), " ") != strings.TrimSpace(s) {
		t.Errorf("Wrap changed the words: %q", got)
	}
	if Wrap("short", 20, "") != "short" || Wrap(s, 0, "") != s {
		t.Error("Wrap changed a line that fits")
	}
}

// TestThinSeries: a large scatter keeps every blocking task and, per slice
// of arrival time, the fastest and slowest other task.
func TestThinSeries(t *testing.T) {
	var pts []resultfmt.Point
	for i := 0; i < 10000; i++ {
		lat := 10.0 + float64(i%7)
		if i == 5000 {
			lat = 900 // the outlier must survive
		}
		pts = append(pts, resultfmt.Point{Task: uint32(i), Arrive: float64(i), Latency: lat, Blocking: i%250 == 3})
	}
	out := thinSeries(pts, 1000)
	if len(out) > 1000+40 || len(out) < 500 {
		t.Fatalf("thinned to %d points, want about 1000", len(out))
	}
	blocking, outlier, minLat := 0, false, 1e9
	for i, p := range out {
		if p.Blocking {
			blocking++
		}
		outlier = outlier || p.Latency == 900
		minLat = min(minLat, p.Latency)
		if i > 0 && p.Arrive <= out[i-1].Arrive {
			t.Fatal("order not kept")
		}
	}
	if blocking != 40 || !outlier || minLat != 10 {
		t.Errorf("blocking %d (want 40), outlier kept %v, fastest %g (want 10)", blocking, outlier, minLat)
	}
	if got := thinSeries(pts[:100], 1000); len(got) != 100 {
		t.Errorf("a small series was thinned to %d", len(got))
	}
}
