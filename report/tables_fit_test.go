package report

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"concbench/internal/table"
	"concbench/resultfmt"
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
			w := table.MaxLineWidth(b.Bytes())
			switch {
			case width == 0 || width >= table.MaxLineWidth(full.Bytes()):
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
// TestTerminalReportFits prints the fixture's report for a 100-column
// terminal: no line over 100; in full (width 0) the tables are wider.
func TestTerminalReportFits(t *testing.T) {
	r, err := GenerateContext(context.Background(), fixtureDir(t), nil)
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
	if w := table.MaxLineWidth(narrow.Bytes()); w > 100 {
		t.Errorf("a line of %d columns in a 100-column report:\n%s", w, narrow.String())
	}
	if table.MaxLineWidth(full.Bytes()) <= 100 || !strings.Contains(full.String(), "CPU µs/task") {
		t.Errorf("the full report is not the wide one")
	}
	for _, want := range []string{"Findings:", "throughput", "report.html"} {
		if !strings.Contains(narrow.String(), want) {
			t.Errorf("narrow report lacks %q", want)
		}
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
