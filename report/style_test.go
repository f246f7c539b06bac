package report

import (
	"fmt"
	"image/color"
	"math"
	"reflect"
	"testing"

	"concbench/resultfmt"
)

// visions simulates how a colour is seen: normal vision, and the three
// dichromacies at full severity (Machado, Oliveira and Fernandes 2009,
// applied to linear RGB).
var visions = []struct {
	name string
	m    *[3][3]float64
}{
	{"normal", nil},
	{"deuteranopia", &[3][3]float64{{0.367322, 0.860646, -0.227968}, {0.280085, 0.672501, 0.047413}, {-0.011820, 0.042940, 0.968881}}},
	{"protanopia", &[3][3]float64{{0.152286, 1.052583, -0.204868}, {0.114503, 0.786281, 0.099216}, {-0.003882, -0.048116, 1.051998}}},
	{"tritanopia", &[3][3]float64{{1.255528, -0.076749, -0.178779}, {-0.078411, 0.930809, 0.147602}, {0.004733, 0.691367, 0.303900}}},
}

// labSeen is c as seen with vision m, in CIELAB (D65).
func labSeen(c color.Color, m *[3][3]float64) [3]float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		x := float64(v>>8) / 255
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	rgb := [3]float64{lin(r), lin(g), lin(b)}
	if m != nil {
		var s [3]float64
		for i := range 3 {
			s[i] = math.Min(1, math.Max(0, m[i][0]*rgb[0]+m[i][1]*rgb[1]+m[i][2]*rgb[2]))
		}
		rgb = s
	}
	x := (0.4124*rgb[0] + 0.3576*rgb[1] + 0.1805*rgb[2]) / 0.95047
	y := 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	z := (0.0193*rgb[0] + 0.1192*rgb[1] + 0.9505*rgb[2]) / 1.08883
	f := func(t float64) float64 {
		if t > 0.008856 {
			return math.Cbrt(t)
		}
		return 7.787*t + 16.0/116
	}
	return [3]float64{116*f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))}
}

// deltaE2000 is the CIEDE2000 colour difference of two CIELAB colours.
func deltaE2000(p, q [3]float64) float64 {
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	c1, c2 := math.Hypot(p[1], p[2]), math.Hypot(q[1], q[2])
	cb7 := math.Pow((c1+c2)/2, 7)
	g := 0.5 * (1 - math.Sqrt(cb7/(cb7+math.Pow(25, 7))))
	a1, a2 := (1+g)*p[1], (1+g)*q[1]
	c1p, c2p := math.Hypot(a1, p[2]), math.Hypot(a2, q[2])
	hue := func(b, a float64) float64 { return math.Mod(math.Atan2(b, a)*180/math.Pi+360, 360) }
	h1, h2 := hue(p[2], a1), hue(q[2], a2)
	dh := h2 - h1
	switch {
	case c1p*c2p == 0:
		dh = 0
	case dh > 180:
		dh -= 360
	case dh < -180:
		dh += 360
	}
	dL, dC := q[0]-p[0], c2p-c1p
	dH := 2 * math.Sqrt(c1p*c2p) * math.Sin(rad(dh/2))
	lb, cb := (p[0]+q[0])/2, (c1p+c2p)/2
	hb := h1 + h2
	switch {
	case c1p*c2p == 0:
	case math.Abs(h1-h2) <= 180:
		hb /= 2
	case h1+h2 < 360:
		hb = (hb + 360) / 2
	default:
		hb = (hb - 360) / 2
	}
	t := 1 - 0.17*math.Cos(rad(hb-30)) + 0.24*math.Cos(rad(2*hb)) + 0.32*math.Cos(rad(3*hb+6)) - 0.20*math.Cos(rad(4*hb-63))
	dth := 30 * math.Exp(-math.Pow((hb-275)/25, 2))
	rc := 2 * math.Sqrt(math.Pow(cb, 7)/(math.Pow(cb, 7)+math.Pow(25, 7)))
	sl := 1 + 0.015*(lb-50)*(lb-50)/math.Sqrt(20+(lb-50)*(lb-50))
	sc, sh := 1+0.045*cb, 1+0.015*cb*t
	rt := -math.Sin(rad(2*dth)) * rc
	return math.Sqrt(math.Pow(dL/sl, 2) + math.Pow(dC/sc, 2) + math.Pow(dH/sh, 2) + rt*(dC/sc)*(dH/sh))
}

// TestDeltaE2000 checks the colour difference against published pairs
// (Sharma, Wu and Dalal 2005, table 1).
func TestDeltaE2000(t *testing.T) {
	for _, tc := range []struct {
		p, q [3]float64
		want float64
	}{
		{[3]float64{50, 2.6772, -79.7751}, [3]float64{50, 0, -82.7485}, 2.0425},
		{[3]float64{50, -1.3802, -84.2814}, [3]float64{50, 0, -82.7485}, 1.0},
		{[3]float64{50, 2.5, 0}, [3]float64{73, 25, -18}, 27.1492},
		{[3]float64{60.2574, -34.0099, 36.2677}, [3]float64{60.4626, -34.1751, 39.4387}, 1.2644},
	} {
		if got := deltaE2000(tc.p, tc.q); math.Abs(got-tc.want) > 1e-3 {
			t.Errorf("deltaE2000(%v, %v) = %.4f, want %.4f", tc.p, tc.q, got, tc.want)
		}
	}
}

// TestThreadsDistinct: the threads model (the second Go per-task model)
// is drawn in a colour at least minThreadsDE (CIEDE2000) from every other
// model's as seen with normal vision and each simulated dichromacy, well
// above the goroutines' blue it used to share a family with, and with a
// marker no other model uses.
func TestThreadsDistinct(t *testing.T) {
	const minThreadsDE = 15
	threads := resultfmt.ModelTraits{Name: "threads", Family: resultfmt.FamilyGo, Kind: resultfmt.KindPerTask, Parallel: true, OSThreads: true}
	th := styleOf(threads, "threads", 0)
	legacy := threads
	legacy.OSThreads = false // a file written before the os_threads trait
	others := 0
	for key, styles := range kindStyles {
		for n, s := range styles {
			if keyOf(threads) == key || keyOf(legacy) == key && n == 1 {
				continue
			}
			others++
			who := fmt.Sprintf("%+v #%d", key, n)
			if reflect.TypeOf(s.glyph) == reflect.TypeOf(th.glyph) {
				t.Errorf("%s shares the threads model's marker %T", who, s.glyph)
			}
			for _, v := range visions {
				if d := deltaE2000(labSeen(th.color, v.m), labSeen(s.color, v.m)); d < minThreadsDE {
					t.Errorf("%s: colour %v is %.1f from the threads model's %v (%s), want >= %d", who, s.color, d, th.color, v.name, minThreadsDE)
				}
			}
		}
	}
	if others != 12 {
		t.Errorf("compared with %d other model styles, want the 12 models besides threads", others)
	}
	white := color.RGBA{0xff, 0xff, 0xff, 0xff}
	for _, v := range visions {
		if d := deltaE2000(labSeen(th.color, v.m), labSeen(white, v.m)); d < 40 {
			t.Errorf("threads' colour is %.1f from the white background (%s): too faint for thin lines", d, v.name)
		}
	}
}

// TestThreadsStyleAlone: the threads model keeps its own style in a file
// without goroutines (its style comes from its os_threads trait, not from
// its place after goroutines among the Go per-task models).
func TestThreadsStyleAlone(t *testing.T) {
	threads := resultfmt.ModelTraits{Name: "threads", Family: resultfmt.FamilyGo, Baseline: "sequential", Kind: resultfmt.KindPerTask, Parallel: true, OSThreads: true}
	goroutines := resultfmt.ModelTraits{Name: "goroutines", Family: resultfmt.FamilyGo, Baseline: "sequential", Kind: resultfmt.KindPerTask, Parallel: true}
	for _, ts := range [][]resultfmt.ModelTraits{{threads}, {goroutines, threads}, {threads, goroutines}} {
		d := &Data{File: &resultfmt.File{Traits: ts}}
		for _, m := range ts {
			d.File.Models = append(d.File.Models, m.Name)
		}
		th, g := d.modelStyle("threads"), d.modelStyle("goroutines")
		if th.color != threadRed || reflect.TypeOf(th.glyph) != reflect.TypeOf(diamondGlyph{}) {
			t.Errorf("models %v: threads drawn in %v %T, want its red diamond", d.File.Models, th.color, th.glyph)
		}
		if len(ts) == 2 && g.color != okBlue {
			t.Errorf("models %v: goroutines drawn in %v, want its blue", d.File.Models, g.color)
		}
	}
}
