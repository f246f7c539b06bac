package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"concbench/models"
)

// Load shape limits: larger values are rejected as absurd.
const (
	MaxClients = 1_000_000
	MaxRate    = 10_000_000.0
)

// LoadShapes documents the load spellings for `concbench list` and errors.
var LoadShapes = []struct{ Spec, Doc string }{
	{"batch", "all N tasks arrive at t=0 (asyncio.gather): makespan and per-task latency"},
	{"closed:C", "C clients, each submits its next task when its previous completes (wrk-style)"},
	{"open:RATE", "tasks arrive at RATE/s on a fixed schedule; latency from the intended arrival (no coordinated omission)"},
	{"open:RATE:poisson", "as open:RATE with Poisson (exponential gap) arrivals"},
}

const loadAllowed = "allowed: batch, closed:C, open:RATE, open:RATE:poisson"

// ParseLoad turns a load spelling into the Load of an n-task trial. Open
// arrivals are computed up front from seed, so every model sees the same
// schedule.
func ParseLoad(spec string, n int, seed uint64) (models.Load, error) {
	parts := strings.Split(spec, ":")
	switch parts[0] {
	case "batch":
		if len(parts) != 1 {
			return models.Load{}, fmt.Errorf("load %q: batch takes no argument (%s)", spec, loadAllowed)
		}
		return models.Load{Shape: models.Batch, Spec: spec}, nil
	case "closed":
		if len(parts) != 2 {
			return models.Load{}, fmt.Errorf("load %q: want closed:C (%s)", spec, loadAllowed)
		}
		c, err := strconv.Atoi(parts[1])
		if err != nil || c < 1 || c > MaxClients {
			return models.Load{}, fmt.Errorf("load %q: clients must be an integer 1..%d", spec, MaxClients)
		}
		return models.Load{Shape: models.Closed, Clients: c, Spec: spec}, nil
	case "open":
		if len(parts) < 2 || len(parts) > 3 {
			return models.Load{}, fmt.Errorf("load %q: want open:RATE[:poisson] (%s)", spec, loadAllowed)
		}
		rate, err := strconv.ParseFloat(parts[1], 64)
		if err != nil || !(rate > 0) || rate > MaxRate {
			return models.Load{}, fmt.Errorf("load %q: rate must be a number of tasks/s in (0, %g]", spec, MaxRate)
		}
		poisson := false
		if len(parts) == 3 {
			switch parts[2] {
			case "poisson":
				poisson = true
			case "fixed":
			default:
				return models.Load{}, fmt.Errorf("load %q: arrival process %q unknown (allowed: fixed, poisson)", spec, parts[2])
			}
		}
		return models.Load{Shape: models.Open, Arrivals: Arrivals(n, rate, poisson, seed), Spec: spec}, nil
	}
	return models.Load{}, fmt.Errorf("unknown load %q (%s)", spec, loadAllowed)
}

// Arrivals returns n intended arrival times in ns from the trial start at
// rate per second: evenly spaced, or with exponential gaps (Poisson).
func Arrivals(n int, rate float64, poisson bool, seed uint64) []int64 {
	out := make([]int64, n)
	gap := 1e9 / rate
	rng := rand.New(rand.NewPCG(seed, 0xa771))
	t := 0.0
	for i := range out {
		out[i] = int64(math.Round(t))
		if poisson {
			t += rng.ExpFloat64() * gap
		} else {
			t += gap
		}
	}
	return out
}
