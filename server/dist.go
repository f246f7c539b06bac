package server

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Dist is how the server turns a requested delay into the delay it waits.
type Dist uint8

// The delay distributions. All but Fixed keep the requested delay as the
// mean; every sampled delay is capped at Options.MaxDelay.
const (
	// Fixed waits exactly the requested delay.
	Fixed Dist = iota
	// Uniform waits delay * (1 + Jitter*u), u uniform in [-1, 1].
	Uniform
	// Exp waits an exponentially distributed time with mean delay.
	Exp
	// LogNormal waits a log-normal time with mean delay and shape
	// sigma = Jitter (a long right tail, like real service times).
	LogNormal
)

var distNames = [...]string{Fixed: "fixed", Uniform: "uniform", Exp: "exp", LogNormal: "lognormal"}

// String returns the distribution's name as the flag spells it.
func (d Dist) String() string {
	if int(d) < len(distNames) {
		return distNames[d]
	}
	return fmt.Sprintf("dist(%d)", uint8(d))
}

// ParseDist reads a distribution name.
func ParseDist(s string) (Dist, error) {
	for i, n := range distNames {
		if s == n {
			return Dist(i), nil
		}
	}
	return 0, fmt.Errorf("unknown delay distribution %q (allowed: %s)", s, strings.Join(distNames[:], ", "))
}

// Sample returns the delay to wait for a request of delay d under jitter j,
// capped at limit.
func (d Dist) Sample(delay time.Duration, jitter float64, limit time.Duration) time.Duration {
	f := float64(delay)
	switch d {
	case Uniform:
		f *= 1 + jitter*(2*rand.Float64()-1)
	case Exp:
		f *= rand.ExpFloat64()
	case LogNormal:
		f *= math.Exp(jitter*rand.NormFloat64() - jitter*jitter/2)
	}
	switch {
	case f <= 0 || math.IsNaN(f):
		return 0
	case f >= float64(limit):
		return limit
	}
	return time.Duration(f)
}
