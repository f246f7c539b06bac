package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"concbench/resultfmt"
)

// toyAnalysis is a toy chart's analysis: each model's median makespan on
// the throughput experiment's cpu-hash batch. Both drawings take it.
func toyAnalysis(d *Data) (series []string, pts map[string][2]float64) {
	pts = map[string][2]float64{}
	for i, c := range d.Tag(resultfmt.TagThroughput, "cpu-hash") {
		series = append(series, c.Series())
		pts[c.Series()] = [2]float64{float64(i), c.Summary.Makespan.Median}
	}
	return series, pts
}

// toySpecs describe the toy chart: one point per model and a reference
// line at zero.
func toySpecs(d *Data) []*chartSpec {
	series, pts := toyAnalysis(d)
	if len(series) == 0 {
		return nil
	}
	wc := &chartSpec{ID: "toy", Title: "Toy: makespan per model", X: specAxis{Label: "model"}, Y: specAxis{Label: "makespan (s)"}}
	for _, m := range series {
		q := pts[m]
		wc.Series = append(wc.Series, d.modelSeries(m, "", "line", []specPoint{{X: q[0], Y: q[1]}}))
	}
	wc.Refs = append(wc.Refs, refSeries("zero", [2]float64{0, 0}, [2]float64{float64(len(series)), 0}))
	return []*chartSpec{wc}
}

// toyChart is the toy chart's figure: its spec drawn by linePlot, and a
// caption.
func toyChart(d *Data) ([]*figure, string, error) {
	specs := toySpecs(d)
	if specs == nil {
		return nil, "", missing("no cpu-hash batch")
	}
	p, err := linePlot(d, specs[0])
	if err != nil {
		return nil, "", err
	}
	return []*figure{single("toy", p)}, "A toy chart: the makespan of each model on the cpu-hash batch.", nil
}

// toyTable is the toy chart's table: each model's median makespan.
func toyTable(d *Data) Table {
	series, pts := toyAnalysis(d)
	t := Table{ID: "toy", Title: "Toy table: median makespan per model", Header: []string{"model", "makespan s"}}
	for _, m := range series {
		t.Rows = append(t.Rows, []string{m, num(pts[m][1])})
	}
	return t
}

// toyFindings is the toy chart's finding: how many models it shows.
func toyFindings(d *Data) []Finding {
	series, _ := toyAnalysis(d)
	return []Finding{{Topic: "toy", Text: fmt.Sprintf("The toy chart shows %d models.", len(series))}}
}

// TestToyChart adds a chart as README's "Adding a chart" says (its
// analysis, spec, figure, table and findings above, one registration line
// here) and checks it reaches everything: REPORT.md's contents and section
// with its caption, its table and its finding, its SVG and PNG,
// report.html, and the twin comparison of its drawings.
func TestToyChart(t *testing.T) {
	saved := builders
	t.Cleanup(func() { builders = saved })
	builders = append(slices.Clone(builders), builder{"toy", "A toy chart", toyChart, toySpecs, toyTable, toyFindings}) // the registration line

	dir := fixtureDir(t)
	series, _ := toyAnalysis(fixtureData(t))
	if len(series) == 0 {
		t.Fatal("the fixture has no cpu-hash batch for the toy chart")
	}
	r, err := GenerateContext(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	page, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	for _, c := range []struct{ what, text, want string }{
		{"REPORT.md contents", string(md), "- [A toy chart](#a-toy-chart)"},
		{"REPORT.md section", string(md), "## A toy chart\n\n![toy](toy.png)\n\nA toy chart: the makespan of each model on the cpu-hash batch. Vector: [toy.svg](toy.svg)."},
		{"report.html", string(page), `"id":"toy"`},
		{"REPORT.md table", string(md), "Toy table: median makespan per model"},
		{"REPORT.md finding", string(md), fmt.Sprintf("The toy chart shows %d models.", len(series))},
	} {
		if !strings.Contains(c.text, c.want) {
			t.Errorf("%s lacks %q", c.what, c.want)
		}
	}
	for _, ext := range []string{"svg", "png"} {
		if fi, err := os.Stat(filepath.Join(dir, "toy."+ext)); err != nil || fi.Size() == 0 {
			t.Errorf("toy.%s not written: %v", ext, err)
		}
	}
	if builders[len(builders)-1].id != "toy" || r.Charts[len(r.Charts)-1].ID != "toy" {
		t.Errorf("the toy chart is not registered last")
	}
	chartTwins(t, r.Data)
}
