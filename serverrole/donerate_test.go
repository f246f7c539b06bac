package serverrole

import (
	"math"
	"testing"
)

// TestDoneRate: a server that keeps up answers at the offered rate
// whatever its latency or one late answer; one that builds a queue answers
// at the rate its latency growth allows.
func TestDoneRate(t *testing.T) {
	flat := func(n int, ms float64) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = ms
		}
		return out
	}
	lateLast := flat(100, 10)
	lateLast[99] = 40
	growing := make([]float64, 100)
	for i := range growing {
		// Sent at 1000/s, served at 500/s: request i waits i ms more.
		growing[i] = 10 + float64(i)
	}
	for _, c := range []struct {
		name string
		lat  []float64
		want float64
	}{
		{"kept up, 10 ms each", flat(100, 10), 1000},
		{"kept up, 200 ms each", flat(100, 200), 1000},
		{"kept up, one late answer", lateLast, 1000},
		{"queue grows", growing, 99 / (0.099 + 0.075)},
	} {
		t.Run(c.name, func(t *testing.T) {
			// 100 requests at 1000/s: the schedule spans 99 ms.
			if got := doneRate(100, 0.099, c.lat); math.Abs(got-c.want) > 1e-6*c.want {
				t.Errorf("doneRate = %.2f/s, want %.2f/s", got, c.want)
			}
		})
	}
}
