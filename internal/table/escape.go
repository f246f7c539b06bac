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

// Escape makes a string read from a results file (a model, label or suite
// name, or a sentence quoting them) safe to write into Markdown: control
// characters as in Printable (so a newline cannot start a heading), then
// every character that could start markup is backslash-escaped or written
// as an entity: a tag or an entity (< before a letter, /, ! or ?; & before
// a letter or #), emphasis (* always, _ except inside a word, as GitHub
// reads it), code spans, links, table pipes and backslashes. The result
// displays as the original text; text without such characters (the
// report's own prose) is unchanged byte for byte.
func Escape(s string) string {
	s = Printable(s)
	var b strings.Builder
	rs := []rune(s)
	word := func(i int) bool {
		return i >= 0 && i < len(rs) && (unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i]))
	}
	opens := func(i int) bool {
		if i >= len(rs) {
			return false
		}
		r := rs[i]
		return unicode.IsLetter(r) || r == '/' || r == '!' || r == '?' || r == '#'
	}
	for i, r := range rs {
		switch {
		case r == '<' && opens(i+1):
			b.WriteString("&lt;")
		case r == '&' && opens(i+1):
			b.WriteString("&amp;")
		case r == '_' && !(word(i-1) && word(i+1)):
			b.WriteString(`\_`)
		case strings.ContainsRune("\\`*[]|", r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
