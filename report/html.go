package report

import (
	_ "embed" // the page's assets
	"fmt"
	"html/template"
	"io"
	"strings"
)

// HTMLFile is the name of the interactive report written beside REPORT.md.
const HTMLFile = "report.html"

// The page's assets, embedded so report.html is one self-contained file
// (no network access at view time); see assets/README.md for versions.
var (
	//go:embed assets/uPlot.iife.min.js
	uPlotJS string
	//go:embed assets/uPlot.min.css
	uPlotCSS string
	//go:embed assets/VERSION
	uPlotVersion string
	//go:embed assets/report.js
	pageJS string
	//go:embed assets/report.css
	pageCSS string
	//go:embed assets/report.html.tmpl
	pageTemplate string
)

var htmlPage = template.Must(template.New("report.html").Parse(pageTemplate))

// webTable is a table of the page; Num marks the right-aligned columns.
type webTable struct {
	Table
	Num []bool
}

// webData is what the page's script reads (REPORT_DATA).
type webData struct {
	Charts []*chartSpec `json:"charts"`
}

// webMachine is one machine's metadata and warnings.
type webMachine struct {
	Heading  string
	Rows     [][2]string
	Warnings []string
}

// page is everything the template shows.
type page struct {
	Suite, Incomplete, Method string
	Trials, Configs           int
	Machines                  []webMachine
	Notes, Missing            []string
	// Invariants is the invariants' status (first line) and any violations.
	Invariants    []string
	Violated      bool
	Findings      []Finding
	Charts        []*chartSpec
	Tables        []webTable
	Data          webData
	UPlotJS       template.JS
	JS            template.JS
	UPlotCSS, CSS template.CSS
	UPlotVersion  string
}

// WriteHTML writes to w the interactive report: the findings, method, machine
// metadata and warnings, every chart of REPORT.md drawn by uPlot from the
// same analysis (hover for exact values, legends that hide models, log
// toggles) and sortable tables, in one file.
func (r *Report) WriteHTML(w io.Writer) error {
	f := r.Data.File
	p := page{
		Suite: f.Suite, Method: r.methodText(), Trials: len(f.Trials), Configs: len(r.Data.Cells),
		Notes: f.Notes, Findings: r.Findings,
		UPlotJS: template.JS(uPlotJS), JS: template.JS(pageJS), UPlotCSS: template.CSS(uPlotCSS), CSS: template.CSS(pageCSS),
		UPlotVersion: strings.TrimPrefix(strings.TrimSpace(uPlotVersion), "uplot "),
	}
	if !f.Complete {
		p.Incomplete = incompleteWhy(f)
	}
	p.Machines = []webMachine{{"Machine and software", machineRows(f.Meta), f.Meta.Warnings}}
	if len(r.Data.Inputs) > 1 {
		p.Machines = nil
		for _, in := range r.Data.Inputs {
			h := fmt.Sprintf("%s (suite %s, %d trials)", in.Label, in.File.Suite, len(in.File.Trials))
			p.Machines = append(p.Machines, webMachine{h, machineRows(in.File.Meta), in.File.Meta.Warnings})
		}
	}
	st := invariantStatus(f)
	p.Invariants, p.Violated = st.Lines(), len(st.Violations) > 0
	p.Charts = webCharts(r.Data, r.Charts)
	p.Data = webData{Charts: p.Charts}
	for _, c := range r.Charts {
		if c.Missing != "" {
			p.Missing = append(p.Missing, fmt.Sprintf("%s: not drawn: %s.", c.Title, c.Missing))
		}
	}
	for _, t := range r.Tables {
		wt := webTable{Table: t}
		wt.Num = t.Numeric()
		p.Tables = append(p.Tables, wt)
	}
	if err := htmlPage.Execute(w, p); err != nil {
		return fmt.Errorf("%s: %w", HTMLFile, err)
	}
	return nil
}
