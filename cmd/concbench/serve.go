package main

import (
	"context"
	"io"

	"concbench/server"
)

// runServe is `concbench serve [flags]`: the loopback latency server in the
// foreground, until ctx ends (Ctrl-C), then a graceful stop. It prints
// "listening on HOST:PORT" as its first stdout line. Bad flags return an
// error wrapping server.ErrUsage (exit status 2).
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := server.ParseFlags(args, stderr)
	if err != nil {
		return err
	}
	return server.Run(ctx, opts, stdout)
}
