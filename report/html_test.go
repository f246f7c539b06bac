package report

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestHTMLSelfContained: report.html loads nothing from anywhere (no src or
// href to another file or host, no fetch), embeds uPlot and the data, and
// gives each model its PNG colour.
func TestHTMLSelfContained(t *testing.T) {
	dir := fixtureDir(t)
	r, err := GenerateContext(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?[^"'#\s>]`).FindAllString(page, -1); len(m) > 0 {
		t.Errorf("report.html refers to other files: %q", m)
	}
	for _, bad := range []string{"<link", "@import", "fetch(", "XMLHttpRequest"} {
		if strings.Contains(page, bad) {
			t.Errorf("report.html contains %q: it must not load anything", bad)
		}
	}
	if !strings.Contains(page, strings.TrimSpace(uPlotJS)[:200]) {
		t.Error("uPlot is not embedded")
	}
	m := regexp.MustCompile(`var REPORT_DATA = (\{.*\});`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no REPORT_DATA in the page")
	}
	var data struct {
		Charts []struct {
			ID     string
			Series []struct{ Model, Color string }
		}
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("page data: %v", err)
	}
	ids := map[string]bool{}
	for _, c := range data.Charts {
		ids[c.ID] = true
		if !strings.Contains(page, `id="chart-`+c.ID+`"`) {
			t.Errorf("no figure for chart %s", c.ID)
		}
		for _, s := range c.Series {
			if want := hexColor(r.Data.color(s.Model)); s.Color != want || s.Model == "goroutines" && want != hexColor(r.Data.modelStyle("goroutines").color) {
				t.Errorf("chart %s: %s drawn in %s, its PNG colour is %s", c.ID, s.Model, s.Color, want)
			}
		}
	}
	for _, c := range r.Charts {
		for _, f := range c.Files {
			if !ids[f] {
				t.Errorf("chart file %s of REPORT.md has no interactive chart", f)
			}
		}
	}
	for _, want := range []string{"Findings", "Method", "Test CPU", "powersave", "table-throughput", `class="sortable"`, `id="invariants"`, invariantStatus(r.Data.File).Lines()[0]} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
}

// TestHTMLMerged: a report across machines writes report.html with a
// series per model and machine, each in its PNG shade, and every machine's
// metadata.
func TestHTMLMerged(t *testing.T) {
	dir := fixtureDir(t)
	out := t.TempDir()
	r, err := GenerateMergedContext(context.Background(), out, []string{dir, dir}, []string{"laptop", "server"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{"laptop (suite fixture", "server (suite fixture", `"model":"goroutines @ server"`, `"color":"` + hexColor(r.Data.color("goroutines @ server"))} {
		if !strings.Contains(page, want) {
			t.Errorf("merged report.html lacks %q", want)
		}
	}
	if hexColor(r.Data.color("goroutines @ server")) == hexColor(r.Data.color("goroutines @ laptop")) {
		t.Error("two machines' series share a colour")
	}
}
