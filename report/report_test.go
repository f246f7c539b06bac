package report

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"concbench/resultfmt"
)

func TestGenerateFromFixture(t *testing.T) {
	dir := fixtureDir(t)
	var term bytes.Buffer
	r, err := GenerateContext(context.Background(), dir, &term)
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Charts) != len(builders) {
		t.Fatalf("got %d charts, want %d", len(r.Charts), len(builders))
	}
	for _, c := range r.Charts {
		if c.Missing != "" {
			t.Errorf("chart %s not drawn from the full fixture: %s", c.ID, c.Missing)
			continue
		}
		if c.Caption == "" {
			t.Errorf("chart %s has no caption", c.ID)
		}
		if !strings.Contains(string(md), "## "+c.Title) {
			t.Errorf("REPORT.md lacks the heading of chart %s", c.ID)
		}
		for _, stem := range c.Files {
			checkPNG(t, filepath.Join(dir, stem+".png"))
			checkSVG(t, filepath.Join(dir, stem+".svg"))
			if !strings.Contains(string(md), "("+stem+".png)") {
				t.Errorf("REPORT.md does not link %s.png", stem)
			}
		}
	}
	for _, want := range []string{"Test CPU, 2 cores", "powersave", "## Method", "## Findings", "randomised", "intended arrival"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("REPORT.md lacks %q", want)
		}
	}
	if strings.Contains(string(md), "Incomplete") {
		t.Error("complete fixture rendered with an incomplete banner")
	}
	// The tables hold the fixture's rows.
	rows := map[string]int{"throughput": 12, "speedup": 8, "io-scaling": 8, "memory": 2, "open-load": 6, "blocking": 2}
	for _, tb := range r.Tables {
		if want, ok := rows[tb.ID]; ok && len(tb.Rows) != want {
			t.Errorf("table %s has %d rows, want %d", tb.ID, len(tb.Rows), want)
		}
		delete(rows, tb.ID)
	}
	for id := range rows {
		t.Errorf("table %s missing", id)
	}
	for _, want := range []string{"Throughput, latency", "goroutines", "Findings:"} {
		if !strings.Contains(term.String(), want) {
			t.Errorf("terminal output lacks %q", want)
		}
	}
}

func checkPNG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if cfg.Width != PNGWidth || cfg.Height < PNGHeight {
		t.Errorf("%s is %dx%d, want %d wide and at least %d high", path, cfg.Width, cfg.Height, PNGWidth, PNGHeight)
	}
	if single := []string{"throughput", "speedup", "io-scaling", "memory", "open-load", "cpu-util"}; contains(single, strings.TrimSuffix(filepath.Base(path), ".png")) && cfg.Height != PNGHeight {
		t.Errorf("%s is %d high, want %d", path, cfg.Height, PNGHeight)
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func checkSVG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	sawSVG := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("%s is not valid XML: %v", path, err)
			return
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "svg" {
			sawSVG = true
		}
	}
	if !sawSVG {
		t.Errorf("%s has no <svg> element", path)
	}
}

func TestMarkdownTablesGolden(t *testing.T) {
	d := fixtureData(t)
	var b bytes.Buffer
	for _, tb := range buildTables(d) {
		b.WriteString("### " + tb.Title + "\n\n")
		if err := tb.Markdown(&b); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\n")
	}
	golden := "testdata/tables.golden.md"
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./report -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("Markdown tables differ from %s (run go test ./report -update if intended):\n%s", golden, b.String())
	}
}

func TestBadResults(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, content, want string
	}{
		{"missing", "", "does not exist"},
		{"corrupt", "{not json", "not valid JSON"},
		{"no schema", `{"suite":"x"}`, "no schema version"},
		{"wrong version", `{"schema":99,"suite":"x"}`, "schema version 99"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			if tc.content != "" {
				if err := os.WriteFile(filepath.Join(d, "results.json"), []byte(tc.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			_, err := GenerateContext(context.Background(), d, nil)
			if !errors.Is(err, resultfmt.ErrBadResults) {
				t.Fatalf("err = %v, want ErrBadResults", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "results.json") || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q, want one line naming results.json and %q", err, tc.want)
			}
		})
	}
}

func TestIncompleteAndMissingCharts(t *testing.T) {
	f := fixtureFile()
	f.Complete = false
	f.Notes = append(f.Notes, "interrupted after 10 trials: the results are incomplete")
	var kept []resultfmt.Result
	for _, r := range f.Trials {
		if r.Spec.Tag != resultfmt.TagBlocking && r.Spec.Tag != resultfmt.TagMemory {
			kept = append(kept, r)
		}
	}
	f.Trials = kept
	dir := t.TempDir()
	if err := f.Write(filepath.Join(dir, "results.json")); err != nil {
		t.Fatal(err)
	}
	var term bytes.Buffer
	r, err := GenerateContext(context.Background(), dir, &term)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if !strings.Contains(string(md), "Incomplete results") || !strings.Contains(term.String(), "INCOMPLETE") {
		t.Error("incomplete results rendered without a banner")
	}
	for _, c := range r.Charts {
		gone := c.ID == "blocking" || c.ID == "memory"
		if gone != (c.Missing != "") {
			t.Errorf("chart %s: Missing = %q", c.ID, c.Missing)
		}
		if gone {
			if _, err := os.Stat(filepath.Join(dir, c.ID+".png")); err == nil {
				t.Errorf("chart %s drawn without data", c.ID)
			}
			if !strings.Contains(string(md), "_Not drawn: "+c.Missing) {
				t.Errorf("REPORT.md does not say why %s is missing", c.ID)
			}
		}
	}
}

func TestKnee(t *testing.T) {
	pt := func(rate, tput, p99 float64) OpenPoint {
		return OpenPoint{Rate: rate, Throughput: resultfmt.Stat{Median: tput}, P99: resultfmt.Stat{Median: p99},
			Tputs: []float64{tput, tput, tput}, P99s: []float64{p99, p99, p99}}
	}
	// Two of three repeats over the p99 rule (the median is too), one under.
	split := pt(400, 399, 40)
	split.P99s[0] = 12
	tests := []struct {
		name string
		pts  []OpenPoint
		want int
	}{
		{"one repeat under the rule: borderline, no knee", []OpenPoint{pt(100, 100, 10), pt(200, 200, 12), split}, -1},
		{"none", []OpenPoint{pt(100, 100, 2), pt(200, 199, 3)}, -1},
		{"p99 rule", []OpenPoint{pt(100, 100, 10), pt(200, 200, 12), pt(400, 399, 40)}, 2},
		{"p99 floor ignores jitter", []OpenPoint{pt(100, 100, 1), pt(200, 200, 4)}, -1},
		{"throughput rule", []OpenPoint{pt(100, 100, 2), pt(200, 150, 3)}, 1},
		{"empty", nil, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, why := knee(tc.pts)
			if got != tc.want {
				t.Errorf("knee = %d, want %d (%s)", got, tc.want, why)
			}
			if strings.HasPrefix(tc.name, "one repeat") && !strings.Contains(why, "borderline: 2 of 3 repeats saturated at 400/s") {
				t.Errorf("why = %q, want the borderline point named", why)
			}
		})
	}
}

func TestFitLine(t *testing.T) {
	a, b, ok := fitLine([]float64{1000, 2000, 4000}, []float64{1e6 + 3e6, 1e6 + 6e6, 1e6 + 12e6})
	if !ok || b < 2999 || b > 3001 || a < 0.99e6 || a > 1.01e6 {
		t.Errorf("fit = %g + %g x, want 1e6 + 3000 x", a, b)
	}
	if _, _, ok := fitLine([]float64{5}, []float64{1}); ok {
		t.Error("fit of one point reported ok")
	}
}

func TestNines(t *testing.T) {
	for p, want := range map[float64]float64{90: 1, 99: 2, 99.9: 3} {
		if got := nines(p); got < want-1e-9 || got > want+1e-9 {
			t.Errorf("nines(%g) = %g, want %g", p, got, want)
		}
	}
}

func TestFindingsFromFixture(t *testing.T) {
	fs := findings(fixtureData(t))
	var all []string
	for _, f := range fs {
		all = append(all, f.Text)
		if f.Contradict {
			t.Errorf("the fixture follows the lessons, yet: %s", f.Text)
		}
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"no CPU parallelism", "saturates at 400", "stall of", "less memory than a goroutine"} {
		if !strings.Contains(text, want) {
			t.Errorf("findings lack %q:\n%s", want, text)
		}
	}
}
