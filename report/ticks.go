package report

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
)

// logAxis puts a on a log scale with readable ticks: 1-2-5 steps when the
// range spans few decades, powers of ten otherwise.
func logAxis(a *plot.Axis) {
	a.Scale = plot.LogScale{}
	a.Tick.Marker = niceLogTicks{}
}

type niceLogTicks struct{}

// Ticks implements plot.Ticker.
func (niceLogTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= 0 || math.IsNaN(lo) || math.IsNaN(hi) {
		return nil
	}
	decades := math.Log10(hi / lo)
	steps := []float64{1, 2, 5}
	if decades > 3 {
		steps = []float64{1}
	}
	var ts []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := base * float64(m)
			if v < lo*0.999 || v > hi*1.001 {
				continue
			}
			label := ""
			for _, s := range steps {
				if float64(m) == s {
					label = fmtNum(v)
				}
			}
			ts = append(ts, plot.Tick{Value: v, Label: label})
		}
	}
	if countLabels(ts) < 2 { // less than a decade with no 1-2-5 inside
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	return ts
}

func countLabels(ts []plot.Tick) int {
	n := 0
	for _, t := range ts {
		if t.Label != "" {
			n++
		}
	}
	return n
}

// niceTicks labels a linear axis at 1-2-5 steps, about five labels.
type niceTicks struct{}

// Ticks implements plot.Ticker.
func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	raw := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	var ts []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		if math.Abs(v) < step*1e-9 {
			v = 0
		}
		ts = append(ts, plot.Tick{Value: v, Label: fmtNum(v)})
		if minor := v + step/2; minor <= hi {
			ts = append(ts, plot.Tick{Value: minor})
		}
	}
	return ts
}

// compactTicks is plot.DefaultTicks with compact labels.
type compactTicks struct{}

// Ticks implements plot.Ticker.
func (compactTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = fmtNum(ts[i].Value)
		}
	}
	return ts
}

// nines maps a percentile to the HDR "nines" axis: 50 -> 0.3, 90 -> 1,
// 99 -> 2, 99.9 -> 3.
func nines(p float64) float64 { return -math.Log10(1 - p/100) }

// ninesTicks labels the nines axis with percentiles.
type ninesTicks struct{}

// Ticks implements plot.Ticker.
func (ninesTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for _, p := range []float64{0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99} {
		x := nines(p)
		if x < lo-1e-9 || x > hi+1e-9 {
			continue
		}
		label := ""
		switch p {
		case 0, 50, 90, 99, 99.9, 99.99:
			label = fmt.Sprintf("p%g", p)
			if p == 0 {
				label = "min"
			}
		}
		ts = append(ts, plot.Tick{Value: x, Label: label})
	}
	return ts
}

// intTicks labels every integer in range.
type intTicks struct{}

// Ticks implements plot.Ticker.
func (intTicks) Ticks(lo, hi float64) []plot.Tick {
	var ts []plot.Tick
	for v := math.Ceil(lo); v <= hi; v++ {
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprint(v)})
	}
	return ts
}
