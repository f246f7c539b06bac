package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"concbench/server"
)

func init() {
	register("serve", "run the loopback latency server that Net steps talk to", runServe)
}

// runServe is `concbench serve [flags]`: the loopback latency server in the
// foreground until ctx ends (Ctrl-C, SIGTERM), then a graceful stop. Its
// first stdout line is "listening on HOST:PORT"; its last one
// "served N requests, B body bytes". -h prints the flags on stdout. Bad
// flags return an error wrapping both server.ErrUsage and errUsage
// (exit status 2).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := server.ParseFlags(args, stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil
	case err != nil:
		return usagef("%w (see concbench serve -h)", err)
	}
	return server.Run(ctx, opts, stdout)
}
