package resultfmt

import (
	"fmt"
	"strconv"
	"strings"
)

// Load shape limits: larger values are rejected as absurd.
const (
	MaxClients = 1_000_000
	MaxRate    = 10_000_000.0
)

// LoadShape is how tasks arrive in a trial.
type LoadShape uint8

// The load shapes.
const (
	// Batch: all tasks arrive at t=0.
	Batch LoadShape = iota
	// Closed: C clients, each submits its next task when its previous one
	// completes.
	Closed
	// Open: tasks arrive at a rate on a schedule fixed up front.
	Open
)

// LoadAllowed lists the load spellings for error messages.
const LoadAllowed = "allowed: batch, closed:C, open:RATE, open:RATE:poisson"

// Load is a parsed load spelling (Spec.Load): the one parser of
// "batch", "closed:C" and "open:RATE[:poisson|:fixed]".
type Load struct {
	Shape LoadShape
	// Clients is C of a closed load.
	Clients int
	// Rate is the offered tasks/s of an open load; Poisson says the gaps
	// are exponential instead of even.
	Rate    float64
	Poisson bool
	// Spec is the spelling it was parsed from.
	Spec string
}

// ParseLoad parses a load spelling, or says what is wrong and what is
// allowed.
func ParseLoad(spec string) (Load, error) {
	parts := strings.Split(spec, ":")
	switch parts[0] {
	case "batch":
		if len(parts) != 1 {
			return Load{}, fmt.Errorf("load %q: batch takes no argument (%s)", spec, LoadAllowed)
		}
		return Load{Shape: Batch, Spec: spec}, nil
	case "closed":
		if len(parts) != 2 {
			return Load{}, fmt.Errorf("load %q: want closed:C (%s)", spec, LoadAllowed)
		}
		c, err := strconv.Atoi(parts[1])
		if err != nil || c < 1 || c > MaxClients {
			return Load{}, fmt.Errorf("load %q: clients must be an integer 1..%d", spec, MaxClients)
		}
		return Load{Shape: Closed, Clients: c, Spec: spec}, nil
	case "open":
		if len(parts) < 2 || len(parts) > 3 {
			return Load{}, fmt.Errorf("load %q: want open:RATE[:poisson] (%s)", spec, LoadAllowed)
		}
		rate, err := strconv.ParseFloat(parts[1], 64)
		if err != nil || !(rate > 0) || rate > MaxRate {
			return Load{}, fmt.Errorf("load %q: rate must be a number of tasks/s in (0, %g]", spec, MaxRate)
		}
		l := Load{Shape: Open, Rate: rate, Spec: spec}
		if len(parts) == 3 {
			switch parts[2] {
			case "poisson":
				l.Poisson = true
			case "fixed":
			default:
				return Load{}, fmt.Errorf("load %q: arrival process %q unknown (allowed: fixed, poisson)", spec, parts[2])
			}
		}
		return l, nil
	}
	return Load{}, fmt.Errorf("unknown load %q (%s)", spec, LoadAllowed)
}

// OpenRate is the offered rate of an open load spelling, else 0.
func OpenRate(spec string) float64 {
	if l, err := ParseLoad(spec); err == nil && l.Shape == Open {
		return l.Rate
	}
	return 0
}
