// Package table renders a table of strings for a terminal (boxed, fitted to
// a width) and as GitHub Markdown. It is shared by report and compare, so
// neither links the other's code, and it links nothing that touches a
// terminal or the operating system: the caller decides the width.
//
// Cells are data (model, label and suite names come from results files):
// the terminal form strips control characters, the Markdown form escapes
// what Markdown or HTML would interpret (Escape).
package table

import (
	"io"
	"strings"

	"github.com/mattn/go-runewidth"
)

// Table is one table: a header and rows of cells.
type Table struct {
	ID     string
	Title  string
	Header []string
	Rows   [][]string
	// Core names the columns a narrow terminal always shows (nil: all);
	// More names the optional ones, most useful first, added while the
	// table fits (RenderWidth). Columns in neither show only in full.
	Core, More []string
}

// Numeric reports, per column, whether it holds numbers (right-aligned):
// every non-empty cell starts like a number.
func (t Table) Numeric() []bool {
	out := make([]bool, len(t.Header))
	for j := range out {
		out[j] = true
		for _, r := range t.Rows {
			if j < len(r) && r[j] != "" && !StartsNumeric(r[j]) {
				out[j] = false
				break
			}
		}
	}
	return out
}

// StartsNumeric reports whether a cell holds a number, or "–" (a figure
// that could not be resolved), which stands in a number's column.
func StartsNumeric(s string) bool {
	if strings.HasPrefix(s, "–") {
		return true
	}
	c := s[0]
	return c >= '0' && c <= '9' || c == '-' || c == '.'
}

// grid is t's cells made safe for out (terminal or Markdown), every row as
// wide as the header, with each column's display width.
func (t Table) grid(clean func(string) string) (head []string, rows [][]string, width []int) {
	n := len(t.Header)
	width = make([]int, n)
	head = make([]string, n)
	for j, h := range t.Header {
		head[j] = clean(h)
		width[j] = runewidth.StringWidth(head[j])
	}
	for _, r := range t.Rows {
		row := make([]string, n)
		for j := range row {
			if j < len(r) {
				row[j] = clean(r[j])
			}
			width[j] = max(width[j], runewidth.StringWidth(row[j]))
		}
		rows = append(rows, row)
	}
	return head, rows, width
}

// pad writes s in a field of w columns: left- or right-aligned, or centred
// (the odd column on the right).
func pad(b *strings.Builder, s string, w int, align byte) {
	gap := max(w-runewidth.StringWidth(s), 0)
	left := 0
	switch align {
	case 'r':
		left = gap
	case 'c':
		left = gap / 2
	}
	b.WriteString(strings.Repeat(" ", left))
	b.WriteString(s)
	b.WriteString(strings.Repeat(" ", gap-left))
}

// Render writes t as a boxed terminal table: header centred, numbers
// right-aligned, control characters removed from every cell.
func (t Table) Render(w io.Writer) error {
	head, rows, width := t.grid(func(s string) string { return strings.TrimSpace(Printable(s)) })
	num := t.Numeric()
	var b strings.Builder
	rule := func(l, m, r string) {
		b.WriteString(l)
		for j, wd := range width {
			if j > 0 {
				b.WriteString(m)
			}
			b.WriteString(strings.Repeat("─", wd+2))
		}
		b.WriteString(r + "\n")
	}
	line := func(cells []string, align func(j int) byte) {
		b.WriteString("│")
		for j, c := range cells {
			if j > 0 {
				b.WriteString("│")
			}
			b.WriteByte(' ')
			pad(&b, c, width[j], align(j))
			b.WriteByte(' ')
		}
		b.WriteString("│\n")
	}
	rule("┌", "┬", "┐")
	line(head, func(int) byte { return 'c' })
	rule("├", "┼", "┤")
	for _, r := range rows {
		line(r, func(j int) byte { return alignOf(num[j]) })
	}
	rule("└", "┴", "┘")
	_, err := io.WriteString(w, b.String())
	return err
}

func alignOf(numeric bool) byte {
	if numeric {
		return 'r'
	}
	return 'l'
}

// Markdown writes t as a GitHub Markdown table, every cell escaped
// (Escape) so that data cannot become markup.
func (t Table) Markdown(w io.Writer) error {
	head, rows, width := t.grid(func(s string) string { return Escape(strings.TrimSpace(s)) })
	num := t.Numeric()
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for j, c := range cells {
			b.WriteByte(' ')
			pad(&b, c, width[j], alignOf(num[j]))
			b.WriteString(" |")
		}
		b.WriteString("\n")
	}
	line(head)
	b.WriteString("|")
	for j, wd := range width {
		if num[j] {
			b.WriteString(strings.Repeat("-", wd+1) + ":|")
		} else {
			b.WriteString(":" + strings.Repeat("-", wd+1) + "|")
		}
	}
	b.WriteString("\n")
	for _, r := range rows {
		line(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
