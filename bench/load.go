package bench

import (
	"math"
	"math/rand/v2"

	"concbench/models"
	"concbench/resultfmt"
)

// Load shape limits: larger values are rejected as absurd.
const (
	MaxClients = resultfmt.MaxClients
	MaxRate    = resultfmt.MaxRate
)

// LoadShapes documents the load spellings for `concbench list` and errors.
var LoadShapes = []struct{ Spec, Doc string }{
	{"batch", "all N tasks arrive at t=0 (asyncio.gather): makespan and per-task latency"},
	{"closed:C", "C clients, each submits its next task when its previous completes (wrk-style)"},
	{"open:RATE", "tasks arrive at RATE/s on a fixed schedule; latency from the intended arrival (no coordinated omission)"},
	{"open:RATE:poisson", "as open:RATE with Poisson (exponential gap) arrivals"},
}

// ParseLoad turns a load spelling (parsed by resultfmt.ParseLoad) into the
// Load of an n-task trial. Open arrivals are computed up front from seed,
// so every model sees the same schedule.
func ParseLoad(spec string, n int, seed uint64) (models.Load, error) {
	l, err := resultfmt.ParseLoad(spec)
	if err != nil {
		return models.Load{}, err
	}
	switch l.Shape {
	case resultfmt.Closed:
		return models.Load{Shape: models.Closed, Clients: l.Clients, Spec: spec}, nil
	case resultfmt.Open:
		return models.Load{Shape: models.Open, Arrivals: Arrivals(n, l.Rate, l.Poisson, seed), Spec: spec}, nil
	}
	return models.Load{Shape: models.Batch, Spec: spec}, nil
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
