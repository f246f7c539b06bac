package report

import (
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
		if err := addSeries(p, d.seriesStyle(ser.Model), ser.Label, pts, false); err != nil {
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
	if !s.LegendLeft {
		p.Legend.XOffs = -vg.Points(4)
	}
	return p, nil
}

// panelsFigure is the gonum/plot renderer of a spec of small multiples:
// one panel per series, titled by its label, on the spec's shared axis
// ranges, each with the reference lines; "step" series as filled steps.
func panelsFigure(d *Data, s *chartSpec) (*figure, error) {
	n := len(s.Series)
	cols := min(n, 3)
	if n == 4 {
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
		xys := make(plotter.XYs, len(ser.Pts))
		for k, q := range ser.Pts {
			xys[k] = plotter.XY{X: q.X, Y: q.Y}
		}
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.Color = d.color(ser.Model)
		l.Width = vg.Points(1.8)
		if ser.Style == "step" {
			l.StepStyle = plotter.PreStep
			l.FillColor = lighter(d.color(ser.Model), 0.65)
		}
		p.Add(l)
		for _, r := range s.Refs {
			xys := make(plotter.XYs, len(r.Pts))
			for k, q := range r.Pts {
				xys[k] = plotter.XY{X: q.X, Y: q.Y}
			}
			if err := refLine(p, "", xys); err != nil {
				return nil, err
			}
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
