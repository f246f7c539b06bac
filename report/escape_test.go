package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDataStringsEscaped: model, suite and note strings from a results file
// carrying HTML, a newline that would start a Markdown heading, a NUL and a
// terminal escape reach neither REPORT.md as markup nor the terminal as
// control characters (issue 22, defect 9); they still show, escaped.
func TestDataStringsEscaped(t *testing.T) {
	const evil = "go<script>alert(1)</script>\n# pwned\x00\x1b[31m<img src=x onerror=alert(1)>_x_|"
	f := fixtureFile()
	for i := range f.Trials {
		if f.Trials[i].Spec.Model == "goroutines" {
			f.Trials[i].Spec.Model = evil
		}
	}
	for i, m := range f.Models {
		if m == "goroutines" {
			f.Models[i] = evil
		}
	}
	f.Suite = "suite<img src=x onerror=alert(2)>\n# pwned"
	f.Notes = append(f.Notes, "note <script>alert(3)</script>\x00")
	dir := writeResults(t, f)
	var term bytes.Buffer
	if _, err := GenerateContext(context.Background(), dir, &term); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The suite's name is in a code span, where Markdown shows < as text.
	const suiteHeading = "# concbench report: suite `suite<img src=x onerror=alert(2)> # pwned`\n"
	if !strings.HasPrefix(string(md), suiteHeading) {
		t.Errorf("REPORT.md does not open with %q:\n%.200s", suiteHeading, md)
	}
	if !strings.Contains(string(md), "Traits unknown for "+want(true)) {
		t.Errorf("REPORT.md does not say the model's traits are unknown")
	}
	for _, out := range []struct {
		name string
		text string
		bad  []string
		want string
	}{
		{"REPORT.md", strings.TrimPrefix(string(md), suiteHeading), []string{"<script", "<img", "\x00", "\x1b", "\n# pwned"}, want(true)},
		{"terminal", term.String(), []string{"\x00", "\x1b", "\n# pwned"}, want(false)},
	} {
		for _, b := range out.bad {
			if strings.Contains(out.text, b) {
				t.Errorf("%s holds %q", out.name, b)
			}
		}
		if !strings.Contains(out.text, out.want) {
			t.Errorf("%s does not show the model's name as %q", out.name, out.want)
		}
	}
}

// want is the hostile model name as REPORT.md (md) or a terminal shows it.
func want(md bool) string {
	if md {
		return "go&lt;script>alert(1)&lt;/script> # pwned\\[31m&lt;img src=x onerror=alert(1)>\\_x\\_\\|"
	}
	return "go<script>alert(1)</script> # pwned[31m<img src=x onerror=alert(1)>_x_|"
}
