package report

import (
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"unsafe"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// legendEntry is one legend line of a gonum plot: its text and its point
// count: its markers' (a scatter), else its line's (-1 for a bar swatch).
type legendEntry struct {
	text string
	n    int
}

// legendOf reads p's legend (gonum keeps its entries unexported).
func legendOf(p *plot.Plot) []legendEntry {
	es := reflect.ValueOf(&p.Legend).Elem().FieldByName("entries")
	var out []legendEntry
	for i := 0; i < es.Len(); i++ {
		e := legendEntry{text: es.Index(i).FieldByName("text").String(), n: -1}
		thumbs := es.Index(i).FieldByName("thumbs")
		scatter := false
		for j := 0; j < thumbs.Len() && !scatter; j++ {
			v := thumbs.Index(j)
			v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem() // an unexported field's value
			switch th := v.Interface().(type) {
			case *plotter.Line:
				e.n = len(th.XYs)
			case *plotter.Scatter:
				e.n, scatter = len(th.XYs), true
			}
		}
		out = append(out, e)
	}
	return out
}

func isLog(a plot.Axis) bool { _, ok := a.Scale.(plot.LogScale); return ok }

// TestChartTwins draws every registered chart both ways from the fixture
// (the gonum/plot figures of REPORT.md and the interactive charts of
// report.html) and checks they show the same thing: for every web chart a
// figure of the same file name, with the same title, the same log or
// linear axes, and a legend naming exactly its series and reference lines
// with the same point counts; small multiples have the same title and a
// panel per series, and a panel of dots a legend naming its dots, its
// marked points and the reference lines, with the series' point count.
func TestChartTwins(t *testing.T) {
	published, err := readResults(filepath.Join("..", "results", "default"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		d    *Data
	}{
		{"fixture", fixtureData(t)},
		{"published results/default", NewData(published)},
		{"two machines", Merge([]Input{{Label: "laptop", File: fixtureFile()}, {Label: "server", File: published}})},
	} {
		t.Run(c.name, func(t *testing.T) { chartTwins(t, c.d) })
	}
}

func chartTwins(t *testing.T, d *Data) {
	for _, b := range builders {
		figs, _, err := b.build(d)
		var m missing
		if errors.As(err, &m) {
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", b.id, err)
		}
		byName := map[string]*figure{}
		for _, f := range figs {
			byName[f.name] = f
		}
		webs := b.web(d)
		if len(webs) != len(figs) {
			t.Errorf("%s: %d figures but %d web charts", b.id, len(figs), len(webs))
		}
		for _, wc := range webs {
			f := byName[wc.ID]
			if f == nil {
				t.Errorf("%s: web chart %s has no figure", b.id, wc.ID)
				continue
			}
			if len(f.grid) == 1 && len(f.grid[0]) == 1 {
				compareSingle(t, wc, f.grid[0][0])
				continue
			}
			if f.title != wc.Title {
				t.Errorf("%s: title %q in the figure, %q on the web", wc.ID, f.title, wc.Title)
			}
			var panels []*plot.Plot
			for _, row := range f.grid {
				for _, p := range row {
					if p != nil {
						panels = append(panels, p)
					}
				}
			}
			if len(panels) != len(wc.Series) {
				t.Errorf("%s: %d panels in the figure, %d series on the web", wc.ID, len(panels), len(wc.Series))
				continue
			}
			for i, s := range wc.Series {
				comparePanel(t, wc, s, panels[i])
			}
		}
	}
}

// comparePanel compares a panel of small multiples with its series: its
// title, and for dots its legend (dots and marked points adding up to the
// series' points, and the reference lines).
func comparePanel(t *testing.T, wc *chartSpec, s specSeries, p *plot.Plot) {
	t.Helper()
	if p.Title.Text != s.Label {
		t.Errorf("%s: panel %q in the figure, series %q on the web", wc.ID, p.Title.Text, s.Label)
	}
	if s.Style != "dots" {
		return
	}
	got := map[string]int{}
	for _, e := range legendOf(p) {
		got[e.text] = e.n
	}
	if n := got[s.Unit] + got[s.MarkLabel]; n != len(s.Pts) {
		t.Errorf("%s: panel %q shows %d points (legend %v), %d on the web", wc.ID, s.Label, n, got, len(s.Pts))
	}
	for _, r := range wc.Refs {
		if _, ok := got[r.Label]; !ok {
			t.Errorf("%s: panel %q lacks reference line %q in its legend %v", wc.ID, s.Label, r.Label, got)
		}
	}
}

// compareSingle compares a one-plot figure with its web chart.
func compareSingle(t *testing.T, wc *chartSpec, p *plot.Plot) {
	t.Helper()
	if p.Title.Text != wc.Title {
		t.Errorf("%s: title %q in the figure, %q on the web", wc.ID, p.Title.Text, wc.Title)
	}
	if isLog(p.X) != wc.X.Log || isLog(p.Y) != wc.Y.Log {
		t.Errorf("%s: log axes x %v y %v in the figure, x %v y %v on the web", wc.ID, isLog(p.X), isLog(p.Y), wc.X.Log, wc.Y.Log)
	}
	want := map[string]int{}
	for _, s := range append(slices.Clone(wc.Series), wc.Refs...) {
		want[s.Label] = len(s.Pts)
	}
	got := map[string]int{}
	for _, e := range legendOf(p) {
		got[e.text] = e.n
	}
	for name, n := range want {
		m, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: %q on the web, not in the figure's legend %v", wc.ID, name, got)
		case m >= 0 && m != n:
			t.Errorf("%s: %q has %d points in the figure, %d on the web", wc.ID, name, m, n)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: %q in the figure's legend, not on the web", wc.ID, name)
		}
	}
}

// TestLegendOf: the twin comparison reads a legend's names and counts.
func TestLegendOf(t *testing.T) {
	p := plot.New()
	l, _ := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}, {X: 2, Y: 2}})
	p.Legend.Add("only in the figure", l)
	if got := legendOf(p); len(got) != 1 || got[0].text != "only in the figure" || got[0].n != 2 {
		t.Errorf("legendOf = %+v, want one entry of 2 points", got)
	}
}
