package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"concbench/compare"
	rf "concbench/resultfmt"
)

func init() {
	register("compare", "compare two results directories: ratios, 95% CIs, significance", runCompare)
}

const compareUsage = `Usage: concbench compare [--md] [--chart FILE|DIR] [--fail-on PCT%] OLD NEW
(flags may come before, between or after OLD and NEW)

OLD and NEW are results directories (holding results.json) or results.json files.
For every configuration measured in both, prints the change new/old of throughput,
p50 and p99 latency, CPU per task and memory per in-flight task: the ratio of the
medians over the repeats, its 95% confidence interval, and "~" where a
Mann-Whitney U test (as in benchstat) finds no significant difference or the
repeats are too few. Exit status: 0; 1 with --fail-on when a significant
change is worse than the threshold or when nothing was compared; 2 for bad
input (an empty --fail-on included); 130 when interrupted (Ctrl-C, SIGTERM,
SIGHUP).`

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	md := fs.Bool("md", false, "print Markdown instead of terminal tables")
	chart := fs.String("chart", "", "draw the changes into `FILE` (.svg or .png), or into DIR as compare.svg and compare.png")
	failOn := fs.String("fail-on", "", "exit 1 when a significant change is worse than `PCT%` (throughput down, latency, CPU or memory up)")
	if help, err := parseFlags(fs, args, compareUsage, stdout); help || err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usagef("compare: want two results directories or results.json files, OLD and NEW (got %d arguments)", fs.NArg())
	}
	failOnSet := false
	fs.Visit(func(fl *flag.Flag) { failOnSet = failOnSet || fl.Name == "fail-on" })
	threshold, err := parseFailOn(*failOn, failOnSet)
	if err != nil {
		return err
	}
	charts, chartDir, err := chartPaths(*chart)
	if err != nil {
		return err
	}
	var sides [2]compare.Side
	for i, arg := range fs.Args() {
		path := resultsPath(arg)
		f, err := rf.ReadFileContext(ctx, path)
		if err != nil {
			return err
		}
		// Every number compare tabulates and charts is input: checked
		// (finite, in range) as report checks it.
		if err := f.Validate(); err != nil {
			return fmt.Errorf("%w: %s: %v", rf.ErrBadResults, path, err)
		}
		sides[i] = compare.Side{Label: arg, File: f}
	}
	// The inputs are good: only now is the chart directory made.
	if err := probeChartDir(*chart, chartDir); err != nil {
		return err
	}
	c, err := compare.CompareContext(ctx, sides[0], sides[1])
	if err != nil {
		return err
	}
	if err := c.WriteText(stdout, *md); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	for _, p := range charts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(c.Rows) == 0 {
			fmt.Fprintln(stderr, "chart not drawn: no configuration was measured in both runs")
			break
		}
		if err := c.WriteChart(p); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "wrote", p) // stdout stays pure Markdown with --md
	}
	if threshold < 0 {
		return nil
	}
	if len(c.Rows) == 0 {
		// A gate that compared nothing must not pass (an empty or
		// unrelated NEW would otherwise turn CI green).
		return fmt.Errorf("compare: --fail-on %s: nothing was compared (no configuration was measured in both runs)", *failOn)
	}
	if regs := c.Regressions(threshold); len(regs) > 0 {
		var names []string
		for _, r := range regs[:min(len(regs), 3)] {
			names = append(names, r.String())
		}
		more := ""
		if len(regs) > 3 {
			more = fmt.Sprintf("; and %d more", len(regs)-3)
		}
		return fmt.Errorf("compare: %d significant changes worse than %g%%: %s%s", len(regs), threshold, strings.Join(names, "; "), more)
	}
	return nil
}

// resultsPath is arg/results.json for a directory, else arg.
func resultsPath(arg string) string {
	if st, err := os.Stat(arg); err == nil && st.IsDir() {
		return filepath.Join(arg, "results.json")
	}
	return arg
}

// parseFailOn reads "--fail-on 5%" (or 5) as 5; -1 when not given. A
// given but empty threshold (`--fail-on "$THRESH"` with THRESH unset) is
// refused: it once disabled the gate silently.
func parseFailOn(s string, set bool) (float64, error) {
	if !set {
		return -1, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1e6 {
		return 0, usagef("compare: --fail-on %q: want a regression threshold in percent, 0..1000000, e.g. --fail-on 5%%", s)
	}
	return v, nil
}

// chartPaths turns --chart into the files to write: FILE.svg or FILE.png
// as given, or DIR/compare.svg and DIR/compare.png, and the directory
// that holds them. It creates nothing (see probeChartDir).
func chartPaths(arg string) ([]string, string, error) {
	if arg == "" {
		return nil, "", nil
	}
	dir, paths := arg, []string{filepath.Join(arg, "compare.svg"), filepath.Join(arg, "compare.png")}
	switch strings.ToLower(filepath.Ext(arg)) {
	case ".svg", ".png":
		dir, paths = filepath.Dir(arg), []string{arg}
	case "":
	default:
		return nil, "", usagef("compare: --chart %q: want a .svg or .png file or a directory", arg)
	}
	return paths, dir, nil
}

// probeChartDir makes the chart directory and proves it writable, once
// the inputs are known good and before the comparison is printed.
func probeChartDir(arg, dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("compare: --chart %q: cannot create %s: %v", arg, dir, err)
	}
	probe, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return usagef("compare: --chart %q: %s is not writable: %v", arg, dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return nil
}
