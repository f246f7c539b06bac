package table

import (
	"strings"
	"unicode"
)

// Printable returns s without control characters: a tab, newline or
// carriage return becomes a space, any other control character (NUL, ESC
// of a terminal escape sequence, DEL) is dropped. Strings read from results
// files go through it before they reach a terminal.
func Printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// mdEscaper escapes what Markdown or the HTML a Markdown renderer passes
// through would interpret: tags and entities, table pipes, emphasis, code
// spans, links and backslashes.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `|`, `\|`,
	`<`, "&lt;", `>`, "&gt;", `&`, "&amp;",
)

// Escape makes a string read from a results file (a model, label or suite
// name) safe to write into Markdown: control characters as in Printable
// (so a newline cannot start a heading), then markup escaped; the result
// displays as the original text.
func Escape(s string) string { return mdEscaper.Replace(Printable(s)) }
