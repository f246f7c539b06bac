package report

import (
	"fmt"
	"image/color"
	"math"

	"concbench/resultfmt"
)

// A chart's description, independent of how it is drawn: its series of
// points (median, min..max range, repeats, a note, a mark, a fitted line),
// its axes (label, log or linear, range, categories) and its reference
// lines (ideal, bounds). Each registered chart builds its specs from its
// analysis (in its chart_*.go); gonum draws them for REPORT.md (specplot.go), report.html
// carries them as JSON for uPlot, and TestChartTwins and the browser test
// check both drawings against them.

// chartSpec is one chart: series of points per model,
// reference lines, and the axes' labels and scales.
type chartSpec struct {
	ID      string       `json:"id"`
	Family  string       `json:"family"`
	Title   string       `json:"title"`
	Caption string       `json:"caption"`
	X       specAxis     `json:"x"`
	Y       specAxis     `json:"y"`
	Cats    []string     `json:"cats,omitempty"` // x is a category index
	Series  []specSeries `json:"series"`
	Refs    []specSeries `json:"refs,omitempty"` // reference lines (no model)
	// LegendLeft puts the legend at the top left, clear of lines that
	// rise to the right.
	LegendLeft bool `json:"legendLeft,omitempty"`
	// Panels draws each series in a panel of its own (small multiples on
	// shared axes) where a figure has the room.
	Panels bool `json:"panels,omitempty"`
	// Cols is the panels per row (0: up to 3).
	Cols int `json:"cols,omitempty"`
}

// specAxis is an axis; Toggle offers log/linear when the data span decades.
type specAxis struct {
	// Range fixes the axis ends [min, max] (nil: from the data).
	Range []float64 `json:"range,omitempty"`
	// Ints draws integer ticks (worker counts); Compact labels ticks
	// like 2k (rates); Nines labels a nines axis (see nines) with
	// percentiles.
	Ints    bool   `json:"ints,omitempty"`
	Nines   bool   `json:"nines,omitempty"`
	Compact bool   `json:"compact,omitempty"`
	Label   string `json:"label"`
	Log     bool   `json:"log"`
	Toggle  bool   `json:"toggle"`
}

// specSeries is one model's points (or, in Refs, a grey reference line).
// Style is line (line and markers), points (markers), step (a stepped line
// filled below) or dots (a dense scatter).
type specSeries struct {
	Model string      `json:"model,omitempty"`
	Label string      `json:"label"`
	Color string      `json:"color"`
	Style string      `json:"style"`
	Pts   []specPoint `json:"pts"`
	// Fit is a line fitted to the points (x, y pairs), drawn dashed in the
	// series' colour under the same legend entry.
	Fit [][2]float64 `json:"fit,omitempty"`
	// Curve is a measured curve through the points (x, y pairs), drawn
	// solid in the series' colour under the same legend entry.
	Curve [][2]float64 `json:"curve,omitempty"`
	// Unit and MarkLabel name, in a panel's legend, what one point is and
	// what a point marked "x" is.
	Unit      string `json:"unit,omitempty"`
	MarkLabel string `json:"markLabel,omitempty"`
}

// specPoint is one value: X, Y (the median over N repeats), its min..max
// range R when the repeats differ, a note for the tooltip, and a Mark
// drawn over it: "x" (a blocking task) or "ring" (a knee).
type specPoint struct {
	X    float64   `json:"x"`
	Y    float64   `json:"y"`
	R    []float64 `json:"r,omitempty"`
	N    int       `json:"n,omitempty"`
	Note string    `json:"note,omitempty"`
	Mark string    `json:"mark,omitempty"`
}

// hexColor is c as #rrggbb, the colour a model has in the PNG charts.
func hexColor(c color.Color) string {
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02x%02x%02x", r>>8, g>>8, b>>8)
}

// statPoint is a point from a Stat over n repeats.
func statPoint(x float64, s resultfmt.Stat, n int, note string) specPoint {
	p := specPoint{X: x, Y: s.Median, N: n, Note: note}
	if s.Min != s.Max {
		p.R = []float64{s.Min, s.Max}
	}
	return p
}

// modelSeries is a series (a model, or "model @ machine" across machines)
// in its colour in the PNG charts.
func (d *Data) modelSeries(series, label, style string, pts []specPoint) specSeries {
	if label == "" {
		label = series
	}
	return specSeries{Model: series, Label: label, Color: hexColor(d.color(series)), Style: style, Pts: pts}
}

// refSeries is a grey reference line through xys.
func refSeries(label string, xys ...[2]float64) specSeries {
	s := specSeries{Label: label, Color: hexColor(refGrey), Style: "line"}
	for _, p := range xys {
		s.Pts = append(s.Pts, specPoint{X: p[0], Y: p[1]})
	}
	return s
}

// spansDecades reports whether the positive ys of the charts' series span
// two decades or more (a log axis helps).
func spansDecades(series []specSeries) bool {
	lo, hi := math.Inf(1), 0.0
	for _, s := range series {
		for _, p := range s.Pts {
			if v := p.Y; v > 0 {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	return hi > 0 && hi/lo >= 100
}

// finish sets the axes' toggles: a y axis whose data span decades, and an
// x axis drawn logarithmic (tasks, in-flight counts; not times or rates).
func (c *chartSpec) finish() *chartSpec {
	c.Y.Toggle = c.Y.Log || spansDecades(c.Series)
	c.X.Toggle = c.X.Log
	return c
}
