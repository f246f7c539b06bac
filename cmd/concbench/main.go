// Command concbench runs five Go concurrency models (sequential, eventloop,
// goroutines, pool, multiproc), and the same tasks in Python and Node.js
// (asyncio, uvloop, thread and process pools, the Node event loop and worker
// threads), on identical I/O- and CPU-bound workloads; it measures them,
// checks its own measurements, and charts and compares the differences. Run
// `concbench help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"concbench/internal/badinput"
	"concbench/internal/child"
	_ "concbench/models/all"
	"concbench/resultfmt"
	"concbench/runtimes"
)

func main() {
	child.Main() // a re-executed trial child, worker or server never returns
	os.Exit(exitCode(run(os.Args[1:], os.Stdout, os.Stderr), os.Stderr))
}

// errUsage marks bad input: one line on stderr and exit status 2.
var errUsage = badinput.Err

// errInterrupted marks a run stopped by a stop signal: exit status 130.
var errInterrupted = errors.New("interrupted")

// usagef returns an error that exits with status 2.
func usagef(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// exitCode prints err as one line and maps it to an exit status.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(stderr, "concbench: interrupted")
		return 130
	case errors.Is(err, errUsage), errors.Is(err, resultfmt.ErrBadResults):
		msg := err.Error()
		for _, p := range []string{"usage: ", "bad results file: "} {
			msg = strings.ReplaceAll(msg, p, "")
		}
		fmt.Fprintln(stderr, "concbench: "+msg)
		return 2
	default:
		fmt.Fprintln(stderr, "concbench: "+err.Error())
		return 1
	}
}

// command is one subcommand.
type command struct {
	doc string
	run func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands maps subcommand names to their implementations; each lives in
// its own file.
var commands = map[string]command{}

func register(name, doc string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	commands[name] = command{doc: doc, run: run}
}

// signalsReady, when set (only by a _test.go file: the signal tests), is
// called once the CLI handles its stop signals, so a test can tell start-up
// (a signal's default action) from a running command.
var signalsReady func()

// run is the whole CLI: it parses args, runs one subcommand and returns its
// error. Ctrl-C cancels the context; a command that stops because of it
// returns an error wrapping errInterrupted.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		out := &checkedWriter{w: stdout}
		usage(out)
		if out.err != nil {
			return fmt.Errorf("write standard output: %w", out.err)
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		return usagef("unknown command %q (allowed: %s)", args[0], strings.Join(commandNames(), ", "))
	}
	ctx, stop := signal.NotifyContext(context.Background(), child.StopSignals...)
	defer stop()
	if signalsReady != nil {
		signalsReady()
	}
	runtimes.SetProbeContext(ctx)
	defer runtimes.SetProbeContext(context.Background())
	out := &checkedWriter{w: stdout}
	err := cmd.run(ctx, args[1:], out, stderr)
	if err != nil && ctx.Err() != nil {
		// Whatever stopped the command (bad input found by a probe cut
		// short included), a stop signal means exit status 130.
		return fmt.Errorf("%w: %v", errInterrupted, err)
	}
	if out.err != nil && (err == nil || errors.Is(err, out.err)) {
		return fmt.Errorf("write standard output: %w", out.err)
	}
	return err
}

// checkedWriter remembers the first write error, so output lost to a full
// disk or a closed pipe (`concbench list > /dev/full`) is an error (exit
// status 1) even where a command ignores what fmt.Fprintf returns.
type checkedWriter struct {
	w   io.Writer
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	if err != nil {
		c.err = err
	}
	return n, err
}

// parseFlags parses a subcommand's flags. -h prints usage (the line, then
// the flags) on stdout and reports help; a bad flag is a usage error that
// names the command.
func parseFlags(fs *flag.FlagSet, args []string, usageLine string, stdout io.Writer) (help bool, err error) {
	fs.SetOutput(io.Discard)
	if err := parseInterspersed(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usageLine)
			fmt.Fprintln(stdout, "\nFlags:")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return true, nil
		}
		return false, usagef("%s: %v (see concbench %s -h)", fs.Name(), err, fs.Name())
	}
	return false, nil
}

// parseInterspersed parses flags anywhere among the arguments, as most
// people type them (`compare OLD NEW --fail-on 5%`): the standard flag
// package stops at the first argument that is not a flag, so each stretch
// of flags is parsed in turn and the arguments between them are collected.
// "--" ends the flags; everything after it is an argument. fs.Args() holds
// the arguments, in order, afterwards.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	// Parsing "--" alone sets no flag and leaves exactly pos as fs.Args().
	return fs.Parse(append([]string{"--"}, pos...))
}

func commandNames() []string {
	var names []string
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "concbench: measure five concurrency models on identical workloads.")
	fmt.Fprintln(w, "\nUsage: concbench <command> [flags]   (flags anywhere, -- ends them; concbench <command> -h for flags)")
	fmt.Fprintln(w, "Exit status: 0 done, 1 failed, 2 bad input, 130 interrupted (SIGINT, SIGTERM, SIGHUP).")
	fmt.Fprintln(w, "\nCommands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].doc)
	}
}
