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

OLD and NEW are results directories (holding results.json) or results.json files.
For every configuration measured in both, prints the change new/old of throughput,
p50 and p99 latency, CPU per task and memory per in-flight task: the ratio of the
medians over the repeats, its 95% confidence interval, and "~" where a
Mann-Whitney U test (as in benchstat) finds no significant difference or the
repeats are too few. Exit status: 0, or 1 with --fail-on when a significant
change is worse than the threshold, 2 for bad input.`

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
	threshold, err := parseFailOn(*failOn)
	if err != nil {
		return err
	}
	charts, err := chartPaths(*chart)
	if err != nil {
		return err
	}
	var sides [2]compare.Side
	for i, arg := range fs.Args() {
		path := resultsPath(arg)
		f, err := rf.ReadFile(path)
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
	if err := ctx.Err(); err != nil {
		return err
	}
	c := compare.Compare(sides[0], sides[1])
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

// parseFailOn reads "--fail-on 5%" (or 5) as 5; -1 when unset.
func parseFailOn(s string) (float64, error) {
	if s == "" {
		return -1, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1e6 {
		return 0, usagef("compare: --fail-on %q: want a regression threshold in percent, 0..1000000, e.g. --fail-on 5%%", s)
	}
	return v, nil
}

// chartPaths turns --chart into the files to write: FILE.svg or FILE.png
// as given, or DIR/compare.svg and DIR/compare.png. It probes that the
// location is writable before any work.
func chartPaths(arg string) ([]string, error) {
	if arg == "" {
		return nil, nil
	}
	dir, paths := arg, []string{filepath.Join(arg, "compare.svg"), filepath.Join(arg, "compare.png")}
	switch strings.ToLower(filepath.Ext(arg)) {
	case ".svg", ".png":
		dir, paths = filepath.Dir(arg), []string{arg}
	case "":
	default:
		return nil, usagef("compare: --chart %q: want a .svg or .png file or a directory", arg)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, usagef("compare: --chart %q: cannot create %s: %v", arg, dir, err)
	}
	probe, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return nil, usagef("compare: --chart %q: %s is not writable: %v", arg, dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return paths, nil
}
