package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"concbench/report"
)

func init() {
	register("report", "draw charts, tables and REPORT.md from a sweep's results directory (or several machines')", runReport)
}

const reportUsage = `Usage: concbench report [--quiet] [--wide] results/NAME
       concbench report [--quiet] [--wide] --out DIR [--label A,B,...] DIR1 DIR2 ...

Reads results/NAME/results.json.gz (or results.json) and writes charts (SVG, PNG),
REPORT.md and report.html (interactive charts, one self-contained file) next to it.
On a terminal the tables fit its width; --wide prints every column.
With several results directories (the same suite run on several machines), merges them
by configuration into one report in --out: each machine's models are series of their
own ("goroutines @ A"), the speedup chart draws each machine's ideal line, and REPORT.md
lists every machine. Labels default to the directory names.`

func runReport(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	quiet := fs.Bool("quiet", false, "do not print the tables on the terminal")
	wide := fs.Bool("wide", false, "print every column of the tables, however wide the terminal")
	out := fs.String("out", "", "with several results directories: write the merged report into `DIR`")
	labels := fs.String("label", "", "comma-separated machine `labels`, one per results directory (default: the directory names)")
	if help, err := parseFlags(fs, args, reportUsage, stdout); help || err != nil {
		return err
	}
	dirs := fs.Args()
	switch {
	case len(dirs) == 0:
		return usagef("report: want one results directory, e.g. concbench report results/default, or several with --out DIR (got 0 arguments)")
	case len(dirs) == 1 && *out == "" && *labels == "":
		var r *report.Report
		if err := interruptible(ctx, func() (err error) {
			r, err = report.GenerateContext(ctx, dirs[0], nil)
			return err
		}); err != nil {
			return err
		}
		return printReport(r, stdout, *quiet, *wide)
	case *out == "":
		return usagef("report: %d results directories need --out DIR for the merged report", len(dirs))
	}
	names := dirs
	if *labels != "" {
		names = strings.Split(*labels, ",")
		if len(names) != len(dirs) {
			return usagef("report: --label has %d labels for %d results directories (want one each)", len(names), len(dirs))
		}
	}
	if err := report.CheckLabels(names); err != nil {
		return usagef("report: --label: %v", err)
	}
	var r *report.Report
	if err := interruptible(ctx, func() (err error) {
		r, err = report.GenerateMergedContext(ctx, *out, dirs, names, nil)
		return err
	}); err != nil {
		return err
	}
	return printReport(r, stdout, *quiet, *wide)
}

// printReport prints r's tables and findings fitted to the terminal
// (every column with --wide or when stdout is not a terminal).
func printReport(r *report.Report, stdout io.Writer, quiet, wide bool) error {
	if quiet {
		return nil
	}
	return r.WriteTerminalWidth(stdout, termWidth(stdout, wide))
}

// interruptible runs a report aside so Ctrl-C is honoured even inside a
// long drawing call: the report checks ctx between charts and before each
// file it writes, and is given a moment to finish a write in progress.
func interruptible(ctx context.Context, generate func() error) error {
	done := make(chan error, 1)
	go func() { done <- generate() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		select {
		case err = <-done:
		case <-time.After(2 * time.Second):
			err = ctx.Err()
		}
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
