package table

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
)

func TestRenderWidthOrder(t *testing.T) {
	tb := Table{ID: "t", Header: []string{"model", "a", "b", "c", "d"},
		Rows: [][]string{{"goroutines", "1.234 (1.200–1.300)", "22222222", "33333333", "44444444"}},
		Core: []string{"model", "a"}, More: []string{"c", "b"}}
	cases := []struct {
		width int
		want  []string
		not   []string
	}{
		{200, []string{"model", "a", "b", "c", "d", "1.300"}, nil},
		{50, []string{"model", "a", "c", "1.300"}, []string{"b", "d"}},
		{38, []string{"model", "a", "1.300"}, []string{"c"}},
		{30, []string{"model", "1.234"}, []string{"1.300"}},
		{18, []string{"model"}, []string{"1.234"}},
	}
	for _, c := range cases {
		var b bytes.Buffer
		if err := tb.RenderWidth(&b, c.width); err != nil {
			t.Fatal(err)
		}
		header := strings.SplitN(b.String(), "\n", 3)[1]
		for _, w := range c.want {
			if !strings.Contains(b.String(), w) || len(w) == 1 && !strings.Contains(header, " "+w+" ") {
				t.Errorf("width %d lacks %q:\n%s", c.width, w, b.String())
			}
		}
		for _, w := range c.not {
			if strings.Contains(header, " "+w+" ") || len(w) > 1 && strings.Contains(b.String(), w) {
				t.Errorf("width %d still has %q:\n%s", c.width, w, b.String())
			}
		}
		if got := MaxLineWidth(b.Bytes()); got > c.width {
			t.Errorf("width %d: a line of %d:\n%s", c.width, got, b.String())
		}
	}
}

func TestWrap(t *testing.T) {
	s := "  - one two three four five six seven eight nine ten"
	got := Wrap(s, 20, "    ")
	for _, l := range strings.Split(got, "\n") {
		if runewidth.StringWidth(l) > 20 {
			t.Errorf("line %q over 20", l)
		}
	}
	if !strings.HasPrefix(got, "  - one") || strings.Join(strings.Fields(got), " ") != strings.TrimSpace(s) {
		t.Errorf("Wrap changed the words: %q", got)
	}
	if Wrap("short", 20, "") != "short" || Wrap(s, 0, "") != s {
		t.Error("Wrap changed a line that fits")
	}
}

// TestEscape: what could become markup in Markdown is escaped; prose
// without such characters is unchanged byte for byte.
func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"p99 > 3x and throughput < 90% of offered", "p99 > 3x and throughput < 90% of offered"},
		{"O_DIRECT reads, 1–2 µs ±3%", "O_DIRECT reads, 1–2 µs ±3%"},
		{"<script>x</script>", "&lt;script>x&lt;/script>"},
		{"a\nb\r\x00c\x1b[1m", "a b c\\[1m"},
		{"_em_ *b* `c` [l](u) a|b \\", "\\_em\\_ \\*b\\* \\`c\\` \\[l\\](u) a\\|b \\\\"},
		{"&amp; & #", "&amp;amp; & #"},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
