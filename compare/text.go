package compare

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"concbench/internal/table"
)

// HowToRead explains the columns; it is printed above the tables.
const HowToRead = `change = new/old of the medians over the repeats; 95% CI = distribution-free interval of that ratio; ` +
	`"~" = no significant difference (Mann-Whitney U test as in benchstat, at 0.05 for each configuration: Holm's correction over its metrics) or too few repeats to tell; ` +
	`better/worse follows the figure (throughput up is better; latency, CPU and memory up are worse).`

// WriteText writes the comparison as terminal tables, or as Markdown when
// md is set.
func (c *Comparison) WriteText(w io.Writer, md bool) error {
	p := printer{w: w, md: md}
	p.heading(1, "concbench compare")
	p.line(sideLine("old", c.Old))
	p.line(sideLine("new", c.New))
	p.blank()
	for _, s := range c.Warnings {
		if md {
			p.line("> **Warning:** " + s)
		} else {
			p.line("WARNING: " + s)
		}
	}
	if len(c.Warnings) > 0 {
		p.blank()
	}
	p.line(HowToRead)
	p.blank()
	if len(c.Rows) > 0 {
		p.heading(2, "Geometric mean of the ratios per model ("+configurations(len(c.Rows))+" in both runs)")
		p.table(c.geomeanTable())
		for i, m := range Metrics {
			dir := "lower is better"
			if m.HigherIsBetter {
				dir = "higher is better"
			}
			p.heading(2, fmt.Sprintf("%s (%s, %s)", m.Name, m.Unit, dir))
			p.table(c.metricTable(i))
		}
	}
	p.list("Only in old ("+configurations(len(c.OnlyOld))+")", c.OnlyOld)
	p.list("Only in new ("+configurations(len(c.OnlyNew))+")", c.OnlyNew)
	return p.err
}

// configurations counts configurations in words.
func configurations(n int) string {
	if n == 1 {
		return "1 configuration"
	}
	return fmt.Sprintf("%d configurations", n)
}

// sideLine describes one run in a line.
func sideLine(name string, s Side) string {
	f := s.File
	m := f.Meta
	return fmt.Sprintf("%s: %s: suite %s, %s, %s, %s, commit %s, %d trials",
		name, s.Label, orUnknown(quote(f.Suite)), m.Time.UTC().Format("2006-01-02 15:04 MST"), machine(m),
		orUnknown(m.GoVersion), orUnknown(m.Commit), len(f.Trials))
}

func (c *Comparison) geomeanTable() table.Table {
	t := table.Table{ID: "geomean", Header: []string{"model", "configurations"}}
	for _, m := range Metrics {
		t.Header = append(t.Header, m.Name)
	}
	for _, model := range c.Models {
		gs := c.Geomeans[model]
		row := []string{model, strconv.Itoa(gs[0].N)}
		for _, g := range gs {
			cell := fmtRatio(g.Ratio)
			var counts []string
			if g.Better > 0 {
				counts = append(counts, fmt.Sprintf("%d better", g.Better))
			}
			if g.Worse > 0 {
				counts = append(counts, fmt.Sprintf("%d worse", g.Worse))
			}
			if len(counts) > 0 {
				cell += " (" + strings.Join(counts, ", ") + ")"
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

func (c *Comparison) metricTable(i int) table.Table {
	t := table.Table{ID: Metrics[i].ID, Header: []string{"configuration", "old", "new", "change", "95% CI", "p"}}
	for _, row := range c.Rows {
		ch := row.Changes[i]
		t.Rows = append(t.Rows, []string{row.Config.Name, num(ch.Old), num(ch.New), ch.verdict(), ch.interval(),
			fmt.Sprintf("p=%.3f n=%d+%d", ch.P, ch.OldN, ch.NewN)})
	}
	return t
}

// verdict is "~" for no significant change, else the ratio and its
// direction.
func (c Change) verdict() string {
	switch {
	case !c.Defined():
		return "n/a"
	case c.Better():
		return fmtRatio(c.Ratio) + " better"
	case c.Worse():
		return fmtRatio(c.Ratio) + " worse"
	}
	return "~"
}

// interval renders the confidence interval, or why there is none.
func (c Change) interval() string {
	switch {
	case !c.Defined():
		return c.Why
	case math.IsNaN(c.Lo):
		return "too few repeats"
	}
	return fmt.Sprintf("%s .. %s", fmtRatio(c.Lo), fmtRatio(c.Hi))
}

// fmtRatio formats a ratio as "2.00x".
func fmtRatio(r float64) string {
	if math.IsNaN(r) || math.IsInf(r, 0) {
		return "n/a"
	}
	if r >= 100 || r < 0.01 {
		return strconv.FormatFloat(r, 'g', 3, 64) + "x"
	}
	return strconv.FormatFloat(r, 'f', 2, 64) + "x"
}

// num formats v with about three significant digits.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "-"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 3-len(strconv.Itoa(int(a))), 64)
	case a == 0:
		return "0"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// printer writes headings, lines, tables and lists for a terminal or as
// Markdown, keeping the first error.
type printer struct {
	w   io.Writer
	md  bool
	err error
}

func (p *printer) line(s string) {
	if p.err == nil {
		_, p.err = fmt.Fprintln(p.w, s)
	}
}

func (p *printer) blank() { p.line("") }

func (p *printer) heading(level int, s string) {
	if p.md {
		s = strings.Repeat("#", level) + " " + s
	}
	p.line(s)
	if p.md || level > 1 {
		p.blank()
	}
}

func (p *printer) table(t table.Table) {
	if p.err != nil {
		return
	}
	if p.md {
		p.err = t.Markdown(p.w)
	} else {
		p.err = t.Render(p.w)
	}
	p.blank()
}

func (p *printer) list(title string, items []string) {
	if len(items) == 0 {
		return
	}
	p.heading(2, title)
	for _, s := range items {
		p.line("- " + s)
	}
	p.blank()
}
