package report

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"

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

func toyChart(d *Data) ([]*figure, string, error) {
	series, pts := toyAnalysis(d)
	if len(series) == 0 {
		return nil, "", missing("no cpu-hash batch")
	}
	p := newPlot("Toy: makespan per model", "model", "makespan (s)")
	for _, m := range series {
		q := pts[m]
		if err := addSeries(p, d.seriesStyle(m), m, errPoints{{X: q[0], Y: q[1], Lo: q[1], Hi: q[1]}}, false); err != nil {
			return nil, "", err
		}
	}
	if err := refLine(p, "zero", plotter.XYs{{X: 0, Y: 0}, {X: float64(len(series)), Y: 0}}); err != nil {
		return nil, "", err
	}
	return []*figure{single("toy", p)}, "A toy chart: the makespan of each model on the cpu-hash batch.", nil
}

func webToy(d *Data) []*chartSpec {
	series, pts := toyAnalysis(d)
	wc := &chartSpec{ID: "toy", Title: "Toy: makespan per model", X: specAxis{Label: "model"}, Y: specAxis{Label: "makespan (s)"}}
	for _, m := range series {
		q := pts[m]
		wc.Series = append(wc.Series, d.modelSeries(m, "", "line", []specPoint{{X: q[0], Y: q[1]}}))
	}
	wc.Refs = append(wc.Refs, refSeries("zero", [2]float64{0, 0}, [2]float64{float64(len(series)), 0}))
	return []*chartSpec{wc}
}

// TestToyChart adds a chart as README's "Adding a chart" says (its
// analysis and drawings above, one registration line here) and checks it
// reaches everything: REPORT.md's contents and section with its caption,
// its SVG and PNG, report.html, and the twin comparison of its drawings.
func TestToyChart(t *testing.T) {
	saved := builders
	t.Cleanup(func() { builders = saved })
	builders = append(slices.Clone(builders), builder{"toy", "A toy chart", toyChart, webToy}) // the registration line

	dir := fixtureDir(t)
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
