package report

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"concbench/resultfmt"
)

// twoMachines writes the fixture twice, as a 2-core "laptop" and an
// 8-core "server" (which ran every configuration 1.5x faster), and
// returns their directories.
func twoMachines(t *testing.T) (small, big string) {
	t.Helper()
	small = fixtureDir(t)
	f, err := resultfmt.ReadFile(filepath.Join(small, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	f.Meta.Cores, f.Meta.Hostname, f.Meta.CPUModel = 8, "server", "Big CPU"
	for i := range f.Trials {
		f.Trials[i].Makespan /= 1.5
		f.Trials[i].Throughput *= 1.5
	}
	big = t.TempDir()
	if err := f.Write(filepath.Join(big, "results.json")); err != nil {
		t.Fatal(err)
	}
	return small, big
}

func TestMergeEveryConfigurationOncePerMachine(t *testing.T) {
	smallDir, bigDir := twoMachines(t)
	var files [2]*resultfmt.File
	for i, dir := range []string{smallDir, bigDir} {
		f, err := resultfmt.ReadFile(filepath.Join(dir, "results.json"))
		if err != nil {
			t.Fatal(err)
		}
		files[i] = f
	}
	one := NewData(files[0])
	d := Merge([]Input{{Label: "laptop", File: files[0]}, {Label: "server", File: files[1]}})
	if len(d.Cells) != 2*len(one.Cells) {
		t.Fatalf("merged %d cells, want 2 x %d", len(d.Cells), len(one.Cells))
	}
	for _, c := range one.Cells {
		seen := map[string]int{}
		for _, m := range d.Cells {
			if m.Spec.Key() == c.Spec.Key() {
				seen[m.Machine]++
				if want := c.Spec.Model + " @ " + m.Machine; m.Series() != want {
					t.Errorf("series %q, want %q", m.Series(), want)
				}
			}
		}
		if seen["laptop"] != 1 || seen["server"] != 1 || len(seen) != 2 {
			t.Errorf("%s: cells per machine %v, want one each on laptop and server", c.Spec.Model, seen)
		}
	}
	if c := one.Cells[0]; c.Machine != "" || c.Series() != c.Spec.Model {
		t.Errorf("a one-machine report labels its series: %q", c.Series())
	}
	pts, _, ok := speedups(d)
	if !ok || len(pts) == 0 {
		t.Fatal("no speedup points")
	}
	for _, q := range pts {
		cores := map[bool]int{true: 8, false: 2}[strings.HasSuffix(q.Model, "@ server")]
		if q.Cores != cores || q.Ideal != float64(min(q.Workers, cores)) {
			t.Errorf("%s: cores %d ideal %g, want %d and min(%d, %d)", q.Model, q.Cores, q.Ideal, cores, q.Workers, cores)
		}
	}
	if d.color("pool @ laptop") != d.modelStyle("pool").color || d.color("pool @ server") == d.modelStyle("pool").color {
		t.Errorf("the first machine should keep the model's colour and the second differ from it")
	}
}

func TestGenerateMergedReport(t *testing.T) {
	smallDir, bigDir := twoMachines(t)
	out := t.TempDir()
	var term strings.Builder
	if _, err := GenerateMergedContext(context.Background(), out, []string{smallDir, bigDir}, []string{"laptop", "server"}, &term); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, "REPORT.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Machines", "### laptop (suite `fixture`", "### server (suite `fixture`", "Big CPU, 8 cores", "Test CPU, 2 cores", "pool @ server", "pool @ laptop"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("REPORT.md lacks %q", want)
		}
	}
	for _, want := range []string{"machine laptop: Test CPU, 2 cores", "machine server: Big CPU, 8 cores", "goroutines @ server"} {
		if !strings.Contains(term.String(), want) {
			t.Errorf("terminal output lacks %q", want)
		}
	}
	svg, err := os.ReadFile(filepath.Join(out, "speedup.svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ideal: min(workers, 2 cores) on laptop", "ideal: min(workers, 8 cores) on server", "pool @ server"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("speedup chart lacks %q", want)
		}
	}
	checkSVG(t, filepath.Join(out, "throughput.svg"))
	checkPNG(t, filepath.Join(out, "throughput.png"))
	if _, err := GenerateMergedContext(context.Background(), out, []string{smallDir}, []string{"a", "b"}, nil); err == nil {
		t.Error("a label count mismatch was accepted")
	}
}

func TestCheckLabels(t *testing.T) {
	for _, tt := range []struct {
		labels []string
		want   string
	}{
		{[]string{"a", "b"}, ""},
		{[]string{"a", " "}, "label 2 is empty"},
		{[]string{"a", "a"}, `label "a" is given twice`},
		{[]string{"x@y", "b"}, `contains "@"`},
	} {
		err := CheckLabels(tt.labels)
		if (err == nil) != (tt.want == "") || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckLabels(%q) = %v, want %q", tt.labels, err, tt.want)
		}
	}
}
