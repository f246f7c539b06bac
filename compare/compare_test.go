package compare

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// row finds the comparison row of a configuration.
func row(t *testing.T, c *Comparison, name string) Row {
	t.Helper()
	for _, r := range c.Rows {
		if r.Config.Name == name {
			return r
		}
	}
	t.Fatalf("no row %s in %d rows", name, len(c.Rows))
	return Row{}
}

func metricIndex(id string) int {
	return slices.IndexFunc(Metrics, func(m Metric) bool { return m.ID == id })
}

func TestTwoTimesFasterIsSignificant(t *testing.T) {
	old, new := fixtureSides(t)
	c := Compare(old, new)
	r := row(t, c, cellFaster.Name())
	tp := r.Changes[metricIndex("throughput")]
	if !tp.Significant || !tp.Better() || tp.Worse() {
		t.Fatalf("2x throughput: significant=%v better=%v p=%g (%s)", tp.Significant, tp.Better(), tp.P, tp.Why)
	}
	if got := fmtRatio(tp.Ratio); got != "2.00x" {
		t.Errorf("ratio %s, want 2.00x", got)
	}
	if !(tp.Lo <= 2 && 2 <= tp.Hi) || tp.Hi/tp.Lo > 1.1 || tp.Conf < Confidence {
		t.Errorf("CI [%g, %g] at %g does not hold 2 tightly at >= %g", tp.Lo, tp.Hi, tp.Conf, Confidence)
	}
	if v := tp.verdict(); v != "2.00x better" {
		t.Errorf("verdict %q", v)
	}
	for _, id := range []string{"p50", "p99"} {
		ch := r.Changes[metricIndex(id)]
		if !ch.Better() || fmtRatio(ch.Ratio) != "0.50x" {
			t.Errorf("%s: better=%v ratio %s, want a significant 0.50x", id, ch.Better(), fmtRatio(ch.Ratio))
		}
	}
	for _, id := range []string{"cpu", "mem"} {
		if ch := r.Changes[metricIndex(id)]; ch.Significant || ch.verdict() != "~" {
			t.Errorf("%s unchanged in the fixture but reported %s (p=%g)", id, ch.verdict(), ch.P)
		}
	}
}

func TestIdenticalInputsAreTilde(t *testing.T) {
	old, _ := fixtureSides(t)
	c := Compare(old, old)
	if len(c.Rows) != 4 || len(c.OnlyOld)+len(c.OnlyNew) != 0 {
		t.Fatalf("%d rows, only-old %v, only-new %v; want 4 rows and none on one side", len(c.Rows), c.OnlyOld, c.OnlyNew)
	}
	for _, r := range c.Rows {
		for i, ch := range r.Changes {
			if ch.Significant || ch.verdict() != "~" || ch.Ratio != 1 {
				t.Errorf("%s %s: %s ratio %g p=%g, want ~ and 1", r.Config.Name, Metrics[i].ID, ch.verdict(), ch.Ratio, ch.P)
			}
		}
	}
	for _, g := range c.Geomeans["goroutines"] {
		if g.Ratio != 1 || g.Better+g.Worse != 0 {
			t.Errorf("geomean %+v, want 1 with no significant change", g)
		}
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "differ") {
			t.Errorf("identical inputs warn %q", w)
		}
	}
	if regs := c.Regressions(0); len(regs) != 0 {
		t.Errorf("identical inputs have regressions: %v", regs)
	}
}

func TestNoisyOverlapIsTilde(t *testing.T) {
	old, new := fixtureSides(t)
	r := row(t, Compare(old, new), cellNoisy.Name())
	for i, ch := range r.Changes {
		if ch.Significant || ch.verdict() != "~" {
			t.Errorf("noisy %s: %s p=%g, want ~", Metrics[i].ID, ch.verdict(), ch.P)
		}
	}
	tp := r.Changes[metricIndex("throughput")]
	if !(tp.Lo < 1 && 1 < tp.Hi) {
		t.Errorf("noisy throughput CI [%g, %g] should hold 1", tp.Lo, tp.Hi)
	}
}

func TestTooFewRepeatsIsTilde(t *testing.T) {
	// A clean 2x change on 3 repeats a side cannot reach p < 0.05 (the
	// smallest U-test p-value for 3+3 is 0.1), so it is "~", with a reason.
	ch := change(Metrics[0], []float64{100, 101, 102}, []float64{200, 202, 204})
	if ch.Significant || ch.verdict() != "~" || ch.Why == "" || !math.IsNaN(ch.Lo) {
		t.Errorf("3+3 repeats: significant=%v verdict %q why %q CI [%g, %g]", ch.Significant, ch.verdict(), ch.Why, ch.Lo, ch.Hi)
	}
	// Values tied within each side once made the library's exact test
	// return p=0 for 3+2 repeats; it must still be "~".
	ch = change(Metrics[4], []float64{6062, 6062, 6062}, []float64{5652, 5652})
	if ch.Significant {
		t.Errorf("tied 3+2 repeats reported significant (p=%g)", ch.P)
	}
	if got := minRepeats(); got != 5 {
		t.Errorf("minRepeats %d, want 5 (Holm's strictest level 0.05/5: 2/C(10,5) = 0.008 is below it, 2/C(8,4) = 0.029 is not)", got)
	}
}

// TestHolm: a configuration's metrics are tested as a family. Two runs of
// the same build on a busy machine flagged p50, CPU and memory changes
// with 0.016 <= p < 0.05 on 10 of 148 configurations; under Holm's
// correction such a change alone is "~", while repeats that do not overlap
// (p = 0.008 for 5+5) stay significant, and the throughput of a slowed
// model with them.
func TestHolm(t *testing.T) {
	same := []float64{100, 101, 102, 103, 104}
	apart := []float64{120, 121, 122, 123, 124}
	overlap := []float64{103.5, 104.5, 105.5, 106.5, 107.5} // p = 0.016 alone
	tests := []struct {
		name string
		news [][]float64 // new repeats per metric, old is same
		want []bool
	}{
		{"one weak change", [][]float64{same, overlap, same, same, same}, []bool{false, false, false, false, false}},
		{"one clean change", [][]float64{apart, same, same, same, same}, []bool{true, false, false, false, false}},
		{"clean and weak", [][]float64{apart, overlap, same, same, same}, []bool{true, false, false, false, false}},
		{"all clean", [][]float64{apart, apart, apart, apart, apart}, []bool{true, true, true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var chs []Change
			for i, n := range tt.news {
				chs = append(chs, change(Metrics[i], same, n))
			}
			if tt.name == "one weak change" && !chs[1].Significant {
				t.Fatalf("the weak change is not significant before the correction (p=%.3f): the case tests nothing", chs[1].P)
			}
			holm(chs)
			for i, ch := range chs {
				if ch.Significant != tt.want[i] {
					t.Errorf("%s: significant %v (p=%.3f, %s), want %v", Metrics[i].ID, ch.Significant, ch.P, ch.Why, tt.want[i])
				}
			}
		})
	}
}

func TestRatioCIOrderStatistics(t *testing.T) {
	// With 4+4 repeats the 95% interval is the smallest and largest
	// pairwise ratio, at 1 - 2/70 confidence.
	old, new := []float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}
	lo, hi, conf := ratioCI(old, new, 0.95)
	if math.Abs(lo-10.0/4) > 1e-12 || math.Abs(hi-40) > 1e-12 || math.Abs(conf-(1-2.0/70)) > 1e-12 {
		t.Errorf("CI [%g, %g] at %g, want [2.5, 40] at %g", lo, hi, conf, 1-2.0/70)
	}
	if lo, _, _ := ratioCI([]float64{1}, []float64{2}, 0.95); !math.IsNaN(lo) {
		t.Errorf("1+1 repeats gave an interval")
	}
}

func TestOneSideOnlyListedAndWarnings(t *testing.T) {
	old, new := fixtureSides(t)
	c := Compare(old, new)
	if !slices.Equal(c.OnlyOld, []string{cellOldOnly.Name()}) || !slices.Equal(c.OnlyNew, []string{cellNewOnly.Name()}) {
		t.Errorf("only-old %v only-new %v", c.OnlyOld, c.OnlyNew)
	}
	all := strings.Join(c.Warnings, "\n")
	for _, want := range []string{"Go versions differ: old go1.26.0, new go1.26.1", "2 configurations were measured in one run only"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	if strings.Contains(all, "machines differ") || strings.Contains(all, "fewer than") {
		t.Errorf("unexpected warning:\n%s", all)
	}
}

func TestRegressionsDirectionAndThreshold(t *testing.T) {
	old, new := fixtureSides(t)
	if regs := Compare(old, new).Regressions(0); len(regs) != 0 {
		t.Errorf("an improvement counted as a regression: %v", regs)
	}
	// Swapped, the faster configuration becomes 0.5x throughput (50%
	// worse) and 2x latency (100% worse); the noisy one never counts.
	back := Compare(new, old)
	for _, tt := range []struct {
		pct  float64
		want int
	}{{0, 3}, {49, 3}, {50, 2}, {99, 2}, {100, 0}, {500, 0}} {
		regs := back.Regressions(tt.pct)
		if len(regs) != tt.want {
			t.Errorf("Regressions(%g) = %d %v, want %d", tt.pct, len(regs), regs, tt.want)
		}
		for _, r := range regs {
			if r.Config != cellFaster.Name() {
				t.Errorf("regression in %s", r.Config)
			}
		}
	}
}

func TestGoldenMarkdown(t *testing.T) {
	old, new := fixtureSides(t)
	var b bytes.Buffer
	if err := Compare(old, new).WriteText(&b, true); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "compare.golden.md")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./compare -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("Markdown differs from %s (run go test ./compare -update if intended):\n%s", golden, b.String())
	}
	for _, want := range []string{"| throughput/cpu-hash/goroutines/batch/n=200 |  1000 |  2000 | 2.00x better |", "> **Warning:** Go versions differ", "## Only in old (1 configuration)"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

func TestTerminalTable(t *testing.T) {
	old, new := fixtureSides(t)
	var b bytes.Buffer
	if err := Compare(old, new).WriteText(&b, false); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"WARNING: Go versions differ", "┌", "throughput (tasks/s, higher is better)", "0.50x better", "Only in new (1 configuration)"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal output lacks %q:\n%s", want, out)
		}
	}
}

func TestChartDecodesAndNamesAxes(t *testing.T) {
	old, new := fixtureSides(t)
	c := Compare(old, new)
	dir := t.TempDir()
	svgPath, pngPath := filepath.Join(dir, "c.svg"), filepath.Join(dir, "c.png")
	for _, p := range []string{svgPath, pngPath} {
		if err := c.WriteChart(p); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 500 || b.Dy() < 150 {
		t.Errorf("PNG is %v", b)
	}
	texts := svgTexts(t, svgPath)
	for _, want := range []string{"configuration", "new / old, log scale", "throughput (tasks/s)", "p99 latency (ms)", "1x", cellFaster.Name()} {
		if !slices.Contains(texts, want) {
			t.Errorf("SVG has no text %q (texts: %q)", want, texts)
		}
	}
	if err := c.WriteChart(filepath.Join(dir, "c.gif")); err == nil {
		t.Error("a .gif chart was accepted")
	}
}

// svgTexts parses an SVG and returns the content of its text elements.
func svgTexts(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	dec := xml.NewDecoder(f)
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG does not parse: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inText = tok.Name.Local == "text"
		case xml.EndElement:
			inText = false
		case xml.CharData:
			if inText {
				out = append(out, strings.TrimSpace(string(tok)))
			}
		}
	}
	return out
}

func TestUnresolvedCPUIsLeftOut(t *testing.T) {
	old, new := fixtureSides(t)
	f := *new.File
	f.Trials = slices.Clone(f.Trials)
	for i := range f.Trials {
		if f.Trials[i].Spec.Model == cellFaster.Model {
			f.Trials[i].CPUUnresolved = "window too short"
		}
	}
	r := row(t, Compare(old, Side{Label: "new", File: &f}), cellFaster.Name())
	cpu := r.Changes[metricIndex("cpu")]
	if cpu.Defined() || cpu.NewN != 0 || cpu.verdict() != "n/a" || cpu.interval() != "not measured on a side" {
		t.Errorf("unresolved CPU compared: n=%d+%d verdict %q interval %q", cpu.OldN, cpu.NewN, cpu.verdict(), cpu.interval())
	}
	if tp := r.Changes[metricIndex("throughput")]; !tp.Better() {
		t.Error("throughput must still be compared")
	}
}
