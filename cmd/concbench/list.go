package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"concbench/bench"
	"concbench/models"
	"concbench/workload"
)

func init() {
	register("list", "list the models, workloads and load shapes", runList)
}

func runList(ctx context.Context, args []string, stdout, _ io.Writer) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	if help, err := parseFlags(fs, args, "Usage: concbench list\n\nLists the models, workloads and load shapes.", stdout); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("list takes no arguments, got %q", fs.Arg(0))
	}
	fmt.Fprintln(stdout, "Models (--model NAME, a comma-separated list, all or go):")
	t := newTable(stdout)
	t.Header("model", "GOMAXPROCS", "concurrency", "--concurrency means", "what it is")
	for _, n := range models.Names() {
		i, _ := models.Lookup(n)
		cfg := i.Resolve(models.Config{})
		conc := fmt.Sprint(cfg.Concurrency)
		if cfg.Concurrency == 0 {
			conc = "unlimited"
		}
		_ = t.Append(n, fmt.Sprint(cfg.Procs), conc, i.ConcurrencyDoc, i.Doc)
	}
	if err := t.Render(); err != nil {
		return err
	}
	listRuntimes(stdout)
	if err := ctx.Err(); err != nil {
		return err // a probe cut short by Ctrl-C printed "unavailable": exit 130
	}
	fmt.Fprintln(stdout, "\nWorkloads (--workload NAME):")
	t = newTable(stdout)
	t.Header("workload", "steps per task", "what it is")
	for _, n := range workload.Names() {
		p, _ := workload.Lookup(n)
		tasks := p.Build(2, workload.DefaultParams) // task 0 is the typical one
		steps := ""
		for k, s := range tasks[0].Steps {
			if k > 0 {
				steps += " -> "
			}
			steps += s.String()
		}
		_ = t.Append(n, steps, p.Doc)
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nLoad shapes (--load SPEC):")
	t = newTable(stdout)
	t.Header("load", "meaning")
	for _, l := range bench.LoadShapes {
		_ = t.Append(l.Spec, l.Doc)
	}
	return t.Render()
}

// listRuntimes prints, for each model in another runtime, the interpreter
// it uses here or one line saying why it is unavailable and the fix.
func listRuntimes(w io.Writer) {
	first := true
	for _, n := range models.Names() {
		i, _ := models.Lookup(n)
		if i.Runtime == nil {
			continue
		}
		if first {
			fmt.Fprintln(w, "\nModels in other runtimes (interpreter found here):")
			first = false
		}
		if err := i.Usable(); err != nil {
			fmt.Fprintf(w, "  %-15s unavailable: %v\n", n, err)
			continue
		}
		fmt.Fprintf(w, "  %-15s %s\n", n, i.Runtime())
	}
}

// newTable returns a terminal table whose headers are printed as written.
func newTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w, tablewriter.WithHeaderAutoFormat(tw.Off))
}
