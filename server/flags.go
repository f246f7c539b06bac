package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ParseFlags reads the flags of `concbench serve` (also the argument list
// of a spawned server process). Errors wrap ErrUsage and are one line; -h
// writes the usage text to help and returns an error wrapping both
// ErrUsage and flag.ErrHelp.
func ParseFlags(args []string, help io.Writer) (Options, error) {
	o := Defaults
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&o.Addr, "addr", o.Addr, "listen `host:port` (loopback only unless --allow-remote)")
	fs.DurationVar(&o.MaxDelay, "max-delay", o.MaxDelay, "largest delay a request may ask for")
	fs.Var((*sizeFlag)(&o.MaxSize), "max-size", "largest response a request may ask for (e.g. 16MiB)")
	fs.Var((*distFlag)(&o.Dist), "dist", "default delay distribution: fixed, uniform, exp or lognormal")
	fs.Float64Var(&o.Jitter, "jitter", o.Jitter, "spread of the uniform (+-fraction) and lognormal (sigma) distributions")
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a non-loopback listen address")
	fs.DurationVar(&o.WriteTimeout, "write-timeout", o.WriteTimeout, "bound on writing one response after its delay (slow readers are cut off)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(help, "Usage: concbench serve [flags]\n\nServe GET /io?delay=10ms&size=1024&seed=7 (and /ready) on loopback for Net steps; the body is the\n64 KiB pattern from offset seed mod 65536, wrapping (seed defaults to 0). GET /ledger lists every\n/io request (seed, delay, size, accept and answer times on CLOCK_MONOTONIC); /ledger?reset=1 also\nstarts an empty ledger.\n\nFlags:\n")
			fs.SetOutput(help)
			fs.PrintDefaults()
		}
		return o, fmt.Errorf("%w: serve: %w", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("%w: serve takes no arguments, got %q", ErrUsage, fs.Args())
	}
	if o.MaxDelay <= 0 {
		return o, fmt.Errorf("%w: max delay %v must be positive", ErrUsage, o.MaxDelay)
	}
	if o.WriteTimeout <= 0 {
		// Options.fill reads 0 as the default for callers in Go; on the
		// command line 0 means what the range says: not allowed.
		return o, fmt.Errorf("%w: write timeout %v out of range (allowed 0 < write-timeout <= %v)", ErrUsage, o.WriteTimeout, limitDelay)
	}
	if o.MaxSize <= 0 {
		return o, fmt.Errorf("%w: max size %d must be positive", ErrUsage, o.MaxSize)
	}
	return o, o.Validate()
}

// Args renders o as flags ParseFlags reads back.
func (o Options) Args() []string {
	o = o.fill()
	args := []string{
		"--addr=" + o.Addr,
		"--max-delay=" + o.MaxDelay.String(),
		"--max-size=" + strconv.FormatInt(o.MaxSize, 10),
		"--dist=" + o.Dist.String(),
		"--jitter=" + strconv.FormatFloat(o.Jitter, 'g', -1, 64),
		"--write-timeout=" + o.WriteTimeout.String(),
	}
	if o.AllowRemote {
		args = append(args, "--allow-remote")
	}
	return args
}

// sizeFlag is a byte count with an optional unit: 1024, 64KiB, 16MiB, 1GiB
// (also k, M, G as powers of 1024, and B).
type sizeFlag int64

func (s *sizeFlag) String() string { return strconv.FormatInt(int64(*s), 10) }

func (s *sizeFlag) Set(v string) error {
	n, err := ParseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

// ParseSize reads a byte count with an optional binary unit (B, KiB, MiB,
// GiB, or K, M, G meaning the same).
func ParseSize(v string) (int64, error) {
	num := strings.TrimRight(v, "KMGiBkmgb")
	unit := strings.ToLower(v[len(num):])
	var mul int64
	switch unit {
	case "", "b":
		mul = 1
	case "k", "kb", "kib":
		mul = 1 << 10
	case "m", "mb", "mib":
		mul = 1 << 20
	case "g", "gb", "gib":
		mul = 1 << 30
	default:
		return 0, fmt.Errorf("bad size %q (want e.g. 1024, 64KiB, 16MiB)", v)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mul {
		return 0, fmt.Errorf("bad size %q (want e.g. 1024, 64KiB, 16MiB)", v)
	}
	return n * mul, nil
}

type distFlag Dist

func (d *distFlag) String() string { return Dist(*d).String() }

func (d *distFlag) Set(v string) error {
	x, err := ParseDist(v)
	if err != nil {
		return err
	}
	*d = distFlag(x)
	return nil
}
