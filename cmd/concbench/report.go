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

const reportUsage = `Usage: concbench report [--quiet] results/NAME
       concbench report [--quiet] --out DIR [--label A,B,...] DIR1 DIR2 ...

Reads results/NAME/results.json and writes charts (SVG, PNG) and REPORT.md next to it.
With several results directories (the same suite run on several machines), merges them
by configuration into one report in --out: each machine's models are series of their
own ("goroutines @ A"), the speedup chart draws each machine's ideal line, and REPORT.md
lists every machine. Labels default to the directory names.`

func runReport(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	quiet := fs.Bool("quiet", false, "do not print the tables on the terminal")
	out := fs.String("out", "", "with several results directories: write the merged report into `DIR`")
	labels := fs.String("label", "", "comma-separated machine `labels`, one per results directory (default: the directory names)")
	if help, err := parseFlags(fs, args, reportUsage, stdout); help || err != nil {
		return err
	}
	var term io.Writer = stdout
	if *quiet {
		term = nil
	}
	dirs := fs.Args()
	switch {
	case len(dirs) == 0:
		return usagef("report: want one results directory, e.g. concbench report results/default, or several with --out DIR (got 0 arguments)")
	case len(dirs) == 1 && *out == "" && *labels == "":
		return interruptible(ctx, func() error {
			_, err := report.GenerateContext(ctx, dirs[0], term)
			return err
		})
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
	return interruptible(ctx, func() error {
		_, err := report.GenerateMergedContext(ctx, *out, dirs, names, term)
		return err
	})
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
