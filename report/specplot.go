package report

import (
	"fmt"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// linePlot is the gonum/plot renderer of a line chart's spec: every
// series a line with markers and min..max bars in its model's style, every
// reference line dashed grey (dotted in its model's colour when it bounds
// one model), log axes, ranges, integer ticks and the legend's side as the
// spec says. It decides nothing about the data: the analysis wrote the
// spec, and report.js draws the same spec in the browser.
func linePlot(d *Data, s *chartSpec) (*plot.Plot, error) {
	p := newPlot(s.Title, axisLabel(s.X), axisLabel(s.Y))
	for _, a := range []struct {
		ax   *plot.Axis
		spec specAxis
	}{{&p.X, s.X}, {&p.Y, s.Y}} {
		if a.spec.Log {
			logAxis(a.ax)
		}
		switch {
		case a.spec.Nines:
			a.ax.Tick.Marker = ninesTicks{}
		case a.spec.Ints:
			a.ax.Tick.Marker = intTicks{}
		case a.spec.Compact:
			a.ax.Tick.Marker = compactTicks{}
		}
		if r := a.spec.Range; len(r) == 2 {
			a.ax.Min, a.ax.Max = r[0], r[1]
		}
	}
	if err := addRefs(p, d, s.Refs); err != nil {
		return nil, err
	}
	for _, ser := range s.Series {
		var pts errPoints
		for _, q := range ser.Pts {
			lo, hi := q.Y, q.Y
			if len(q.R) == 2 {
				lo, hi = q.R[0], q.R[1]
			}
			if s.Y.Log && !(q.Y > 0) || math.IsNaN(q.Y) {
				continue
			}
			pts = append(pts, errPoint{X: q.X, Y: q.Y, Lo: lo, Hi: hi})
		}
		var err error
		if ser.Style == "points" {
			err = addMarkers(p, d.seriesStyle(ser.Model), ser.Label, pts, ser.Curve)
		} else {
			err = addSeries(p, d.seriesStyle(ser.Model), ser.Label, pts, false)
		}
		if err != nil {
			return nil, err
		}
		if err := addMarks(p, d.color(ser.Model), ser.Pts); err != nil {
			return nil, err
		}
		if len(ser.Fit) > 1 {
			xys := make(plotter.XYs, len(ser.Fit))
			for i, q := range ser.Fit {
				xys[i] = plotter.XY{X: q[0], Y: q[1]}
			}
			l, err := plotter.NewLine(xys)
			if err != nil {
				return nil, err
			}
			l.Color = d.color(ser.Model)
			l.Width = 1.5
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(l)
		}
	}
	p.Legend.Left = s.LegendLeft
	return p, nil
}

// addMarkers adds a series' markers with min..max bars (no line joining
// them), its curve solid in its colour, and one legend entry for both.
func addMarkers(p *plot.Plot, st modelStyle, label string, pts errPoints, curve [][2]float64) error {
	if len(pts) == 0 {
		return nil
	}
	if len(curve) > 1 {
		xys := make(plotter.XYs, len(curve))
		for i, q := range curve {
			xys[i] = plotter.XY{X: q[0], Y: q[1]}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return fmt.Errorf("%s curve: %w", label, err)
		}
		l.Color = st.color
		l.Width = 2
		p.Add(l)
	}
	xys := make(plotter.XYs, len(pts))
	for i, q := range pts {
		xys[i] = plotter.XY{X: q.X, Y: q.Y}
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return fmt.Errorf("%s series: %w", label, err)
	}
	s.Color = st.color
	s.Shape = st.glyph
	s.Radius = 3.5
	p.Add(s)
	if hasSpread(pts) {
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return fmt.Errorf("%s error bars: %w", label, err)
		}
		eb.Color = st.color
		p.Add(eb)
	}
	l, _ := plotter.NewLine(plotter.XYs{{}, {}})
	l.Color = st.color
	l.Width = 2
	p.Legend.Add(label, l, s)
	return nil
}

// axisLabel is an axis's label as a figure prints it: a log axis says so.
func axisLabel(a specAxis) string {
	switch {
	case !a.Log:
		return a.Label
	case strings.HasSuffix(a.Label, ")"):
		return strings.TrimSuffix(a.Label, ")") + ", log scale)"
	}
	return a.Label + " (log scale)"
}

// addMarks rings the points marked "ring" (a knee) in colour c.
func addMarks(p *plot.Plot, c color.Color, pts []specPoint) error {
	var rings plotter.XYs
	for _, q := range pts {
		if q.Mark == "ring" {
			rings = append(rings, plotter.XY{X: q.X, Y: q.Y})
		}
	}
	if len(rings) == 0 {
		return nil
	}
	s, err := plotter.NewScatter(rings)
	if err != nil {
		return err
	}
	s.Shape = draw.RingGlyph{}
	s.Radius = vg.Points(9)
	s.Color = c
	p.Add(s)
	return nil
}

// addRefs draws reference lines: dashed grey (dotted for style "dots"),
// or dotted in a model's colour when one bounds that model.
func addRefs(p *plot.Plot, d *Data, refs []specSeries) error {
	grey := 0
	for _, r := range refs {
		xys := make(plotter.XYs, len(r.Pts))
		for i, q := range r.Pts {
			xys[i] = plotter.XY{X: q.X, Y: q.Y}
		}
		var err error
		switch {
		case r.Model != "":
			err = modelBound(p, r.Model, d.color(r.Model), r.Label, xys)
		case r.Style == "dots":
			err = refLineDash(p, r.Label, xys, 2, 3)
		default:
			err = refLineDash(p, r.Label, xys, 6-2*float64(grey%3), 4)
			grey++
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// barPlot is the gonum/plot renderer of a category chart's spec: each
// category's values side by side as bars with min..max whiskers, in each
// series' colour, the categories named below (task counts on a second
// line), reference lines and a swatch legend.
func barPlot(d *Data, s *chartSpec) (*plot.Plot, error) {
	p := newPlot(s.Title, axisLabel(s.X), axisLabel(s.Y))
	if s.Y.Log {
		logAxis(&p.Y)
	}
	b := &bars{}
	_, b.width = groupOffset(0, len(s.Series))
	for _, ser := range s.Series {
		for _, q := range ser.Pts {
			lo, hi := q.Y, q.Y
			if len(q.R) == 2 {
				lo, hi = q.R[0], q.R[1]
			}
			if s.Y.Log && !(q.Y > 0) {
				continue
			}
			b.items = append(b.items, bar{X: q.X, Y: q.Y, Lo: lo, Hi: hi, Color: d.color(ser.Model)})
		}
	}
	p.Add(b)
	if err := addRefs(p, d, s.Refs); err != nil {
		return nil, err
	}
	for _, ser := range s.Series {
		p.Legend.Add(ser.Label, swatch{d.color(ser.Model)})
	}
	labels := make([]string, len(s.Cats))
	for i, c := range s.Cats {
		if k := strings.LastIndex(c, " ("); k > 0 {
			c = c[:k] + "\n" + c[k+1:]
		}
		labels[i] = c
	}
	p.NominalX(labels...)
	p.X.Min, p.X.Max = -0.5, float64(len(s.Cats))-0.5
	if r := s.Y.Range; len(r) == 2 {
		p.Y.Min, p.Y.Max = r[0], r[1]
	}
	p.Legend.Left = s.LegendLeft
	if len(s.Series) > tallLegend {
		// A legend of many models is taller than the room above the
		// bars: give it blank room of its own at the right instead.
		p.X.Max += legendRoom
		p.Legend.Left = false
	}
	if !p.Legend.Left {
		p.Legend.XOffs = -vg.Points(4)
	}
	return p, nil
}

// A bar chart of more than tallLegend series gets legendRoom categories'
// width of blank room at its right for the legend.
const (
	tallLegend = 8
	legendRoom = 0.8
)

// panelsFigure is the gonum/plot renderer of a spec of small multiples:
// one panel per series, titled by its label, Cols to a row, on the spec's
// shared axis ranges, each with the reference lines; "step" series as
// filled steps, "dots" as a scatter with its marked points as crosses and
// a legend naming a dot, a cross and the reference lines.
func panelsFigure(d *Data, s *chartSpec) (*figure, error) {
	n := len(s.Series)
	cols := min(n, 3)
	switch {
	case s.Cols > 0:
		cols = min(n, s.Cols)
	case n == 4:
		cols = 2
	}
	rows := (n + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
	}
	for i, ser := range s.Series {
		ylabel, xlabel := "", ""
		if i%cols == 0 {
			ylabel = axisLabel(s.Y)
		}
		if i/cols == rows-1 {
			xlabel = axisLabel(s.X)
		}
		p := newPlot(ser.Label, xlabel, ylabel)
		p.Title.TextStyle.Font.Size = vg.Points(11)
		var err error
		if ser.Style == "dots" {
			err = addDots(p, d.color(ser.Model), ser)
		} else {
			err = addPanelLine(p, d.color(ser.Model), ser)
		}
		if err != nil {
			return nil, err
		}
		for _, r := range s.Refs {
			xys := make(plotter.XYs, len(r.Pts))
			for k, q := range r.Pts {
				xys[k] = plotter.XY{X: q.X, Y: q.Y}
			}
			label := ""
			if ser.Style == "dots" {
				label = r.Label
			}
			if err := refLine(p, label, xys); err != nil {
				return nil, err
			}
		}
		if ser.Style == "dots" {
			p.Legend.Top = true
			p.Legend.TextStyle.Font.Size = vg.Points(9.5)
		}
		if r := s.X.Range; len(r) == 2 {
			p.X.Min, p.X.Max = r[0], r[1]
		}
		if r := s.Y.Range; len(r) == 2 {
			p.Y.Min, p.Y.Max = r[0], r[1]
		}
		grid[i/cols][i%cols] = p
	}
	return &figure{name: s.ID, grid: grid, w: chartW, h: chartH * vg.Length(math.Max(1, 0.62*float64(rows))), title: s.Title}, nil
}

// addPanelLine draws a panel's series as a line in colour c ("step": a
// stepped line filled below).
func addPanelLine(p *plot.Plot, c color.Color, ser specSeries) error {
	xys := make(plotter.XYs, len(ser.Pts))
	for k, q := range ser.Pts {
		xys[k] = plotter.XY{X: q.X, Y: q.Y}
	}
	l, err := plotter.NewLine(xys)
	if err != nil {
		return err
	}
	l.Color = c
	l.Width = vg.Points(1.8)
	if ser.Style == "step" {
		l.StepStyle = plotter.PreStep
		l.FillColor = lighter(c, 0.65)
	}
	p.Add(l)
	return nil
}

// addDots draws a panel's series as small dots in colour c and its points
// marked "x" as vermillion crosses, each named in the legend by the
// series' Unit and MarkLabel.
func addDots(p *plot.Plot, c color.Color, ser specSeries) error {
	var plain, marked plotter.XYs
	for _, q := range ser.Pts {
		xy := plotter.XY{X: q.X, Y: q.Y}
		if q.Mark == "x" {
			marked = append(marked, xy)
		} else {
			plain = append(plain, xy)
		}
	}
	for _, g := range []struct {
		xys    plotter.XYs
		label  string
		color  color.Color
		shape  draw.GlyphDrawer
		radius float64
	}{
		{plain, ser.Unit, c, draw.CircleGlyph{}, 1.6},
		{marked, ser.MarkLabel, okVermillion, draw.CrossGlyph{}, 5},
	} {
		if len(g.xys) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(g.xys)
		if err != nil {
			return fmt.Errorf("%s: %w", ser.Label, err)
		}
		sc.Color, sc.Shape, sc.Radius = g.color, g.shape, vg.Points(g.radius)
		p.Add(sc)
		if g.label != "" {
			p.Legend.Add(g.label, sc)
		}
	}
	return nil
}
