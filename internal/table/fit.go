package table

import (
	"bytes"
	"io"
	"slices"
	"strings"

	"github.com/mattn/go-runewidth"
)

// RenderWidth writes t as a terminal table no wider than width columns
// when it can. It tries, richest first: every column; the Core columns
// plus as many of More as fit; the same with each cell's "(min–max)"
// range cut to the median; then fewer Core columns, the last named first.
// width <= 0 prints every column (output that is not a terminal, --wide).
func (t Table) RenderWidth(w io.Writer, width int) error {
	if width <= 0 {
		return t.Render(w)
	}
	full, err := t.rendered()
	if err != nil {
		return err
	}
	if MaxLineWidth(full) <= width {
		_, err := w.Write(full)
		return err
	}
	var out []byte
	core := t.Core
	if core == nil {
		core = t.Header
	}
	for _, strip := range []bool{false, true} {
		names := slices.Clone(core)
		if out, err = t.pick(t.columns(names), strip).rendered(); err != nil {
			return err
		}
		if MaxLineWidth(out) > width {
			if !strip {
				continue
			}
			// Even the core is too wide: drop core columns, least useful
			// (last) first, keeping the first.
			for len(names) > 1 && MaxLineWidth(out) > width {
				names = names[:len(names)-1]
				if out, err = t.pick(t.columns(names), strip).rendered(); err != nil {
					return err
				}
			}
			break
		}
		for _, name := range t.More {
			more := append(slices.Clone(names), name)
			b, err := t.pick(t.columns(more), strip).rendered()
			if err != nil {
				return err
			}
			if MaxLineWidth(b) <= width {
				names, out = more, b
			}
		}
		break
	}
	_, err = w.Write(out)
	return err
}

// columns returns the indexes of the named columns in header order.
func (t Table) columns(names []string) []int {
	var idx []int
	for j, h := range t.Header {
		if slices.Contains(names, h) {
			idx = append(idx, j)
		}
	}
	return idx
}

// pick returns t with only the columns idx, ranges cut when strip is set.
func (t Table) pick(idx []int, strip bool) Table {
	out := Table{ID: t.ID, Title: t.Title}
	for _, j := range idx {
		out.Header = append(out.Header, t.Header[j])
	}
	for _, r := range t.Rows {
		var row []string
		for _, j := range idx {
			c := ""
			if j < len(r) {
				c = r[j]
			}
			if strip {
				c = stripRange(c)
			}
			row = append(row, c)
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

// stripRange cuts the " (min–max)" range off a numeric cell.
func stripRange(c string) string {
	if c == "" || !StartsNumeric(c) {
		return c
	}
	if i := strings.Index(c, " ("); i > 0 {
		return c[:i]
	}
	return c
}

// rendered is t rendered as a boxed terminal table.
func (t Table) rendered() ([]byte, error) {
	var b bytes.Buffer
	err := t.Render(&b)
	return b.Bytes(), err
}

// MaxLineWidth is the display width of the widest line of b.
func MaxLineWidth(b []byte) int {
	m := 0
	for _, l := range strings.Split(string(b), "\n") {
		m = max(m, runewidth.StringWidth(l))
	}
	return m
}

// Wrap removes control characters from s (Printable: it may quote names
// from a results file) and breaks it into lines of at most width display columns at spaces;
// the first line keeps s's leading spaces, later lines start with indent. width <= 0 returns s unchanged.
// A word longer than a line stays whole.
func Wrap(s string, width int, indent string) string {
	s = Printable(s)
	if width <= 0 || runewidth.StringWidth(s) <= width {
		return s
	}
	var b strings.Builder
	lead := s[:len(s)-len(strings.TrimLeft(s, " "))]
	b.WriteString(lead)
	line := len(lead)
	for i, word := range strings.Fields(s) {
		ww := runewidth.StringWidth(word)
		switch {
		case i == 0:
		case line+1+ww > width:
			b.WriteString("\n" + indent)
			line = runewidth.StringWidth(indent)
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += ww
	}
	return b.String()
}
