package server

import (
	"fmt"
	"math"
	"net"
	"strconv"
	"time"

	"concbench/internal/badinput"
)

// ErrUsage is wrapped by every error about bad flags or options, so the CLI
// can exit with status 2.
var ErrUsage = badinput.Err

// Options configure a latency server. The zero value of a field means its
// default (see Defaults).
type Options struct {
	// Addr is the host:port to listen on.
	Addr string
	// MaxDelay and MaxSize bound every request; larger ones get 400.
	MaxDelay time.Duration
	MaxSize  int64
	// Dist and Jitter are the default delay distribution; a request may
	// choose its own with dist= and jitter=. Jitter is not defaulted: zero
	// means no spread (the serve command's flag defaults to 0.25).
	Dist   Dist
	Jitter float64
	// AllowRemote permits a non-loopback listen address.
	AllowRemote bool
	// WriteTimeout bounds the writing of one response after its delay, so
	// a client that stops reading cannot hold a connection (and a
	// graceful shutdown) forever.
	WriteTimeout time.Duration
}

// Defaults are the options used for zero fields (and the flag defaults).
var Defaults = Options{
	Addr:         "127.0.0.1:0",
	MaxDelay:     10 * time.Second,
	MaxSize:      16 << 20,
	Dist:         Fixed,
	Jitter:       0.25,
	WriteTimeout: 30 * time.Second,
}

// Hard limits on the caps themselves.
const (
	limitDelay = time.Hour
	limitSize  = 1 << 30
)

// fill returns o with defaults for zero fields.
func (o Options) fill() Options {
	if o.Addr == "" {
		o.Addr = Defaults.Addr
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = Defaults.MaxDelay
	}
	if o.MaxSize == 0 {
		o.MaxSize = Defaults.MaxSize
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = Defaults.WriteTimeout
	}
	return o
}

// Validate reports the first impossible option, wrapped in ErrUsage.
func (o Options) Validate() error {
	o = o.fill()
	switch {
	case o.MaxDelay < 0 || o.MaxDelay > limitDelay:
		return fmt.Errorf("%w: max delay %v out of range (allowed 0 < max-delay <= %v)", ErrUsage, o.MaxDelay, limitDelay)
	case o.MaxSize < 0 || o.MaxSize > limitSize:
		return fmt.Errorf("%w: max size %d out of range (allowed 1..%d bytes)", ErrUsage, o.MaxSize, limitSize)
	case o.Jitter < 0 || o.Jitter > 4 || math.IsNaN(o.Jitter):
		return fmt.Errorf("%w: jitter %v out of range (allowed 0..4)", ErrUsage, o.Jitter)
	case o.WriteTimeout < 0 || o.WriteTimeout > limitDelay:
		return fmt.Errorf("%w: write timeout %v out of range (allowed 0 < write-timeout <= %v)", ErrUsage, o.WriteTimeout, limitDelay)
	case int(o.Dist) >= len(distNames):
		return fmt.Errorf("%w: unknown delay distribution %v", ErrUsage, o.Dist)
	}
	host, port, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return fmt.Errorf("%w: bad listen address %q: %v", ErrUsage, o.Addr, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%w: bad listen address %q: port %q out of range (allowed 0..65535, 0 = any free port)", ErrUsage, o.Addr, port)
	}
	if !o.AllowRemote {
		if ip := net.ParseIP(host); host == "" || (ip != nil && !ip.IsLoopback()) {
			return fmt.Errorf("%w: refusing to listen on non-loopback address %q (use a 127.0.0.1 address, or --allow-remote to expose the server)", ErrUsage, o.Addr)
		}
	}
	return nil
}
