package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"concbench/report"
)

func init() {
	register("report", "draw charts, tables and REPORT.md from a sweep's results directory", runReport)
}

func runReport(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	quiet := fs.Bool("quiet", false, "do not print the tables on the terminal")
	if help, err := parseFlags(fs, args, "Usage: concbench report [--quiet] results/NAME\n\nReads results/NAME/results.json and writes charts (SVG, PNG) and REPORT.md next to it.", stdout); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("report: want one results directory, e.g. concbench report results/default (got %d arguments)", fs.NArg())
	}
	var term io.Writer = stdout
	if *quiet {
		term = nil
	}
	if _, err := report.Generate(fs.Arg(0), term); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
