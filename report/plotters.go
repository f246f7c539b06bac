package report

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // PNG
	_ "gonum.org/v1/plot/vg/vgsvg" // SVG
)

// errPoint is a point (X, Y) with a vertical error bar from Lo to Hi
// (min..max over repeats); errPoints implements plotter.XYer and
// plotter.YErrorer for plotter.NewYErrorBars.
type errPoint struct{ X, Y, Lo, Hi float64 }

type errPoints []errPoint

func (e errPoints) Len() int                        { return len(e) }
func (e errPoints) XY(i int) (float64, float64)     { return e[i].X, e[i].Y }
func (e errPoints) YError(i int) (float64, float64) { return e[i].Y - e[i].Lo, e[i].Hi - e[i].Y }

// addSeries adds a series' line with markers and min..max error bars, in
// style st.
func addSeries(p *plot.Plot, st modelStyle, label string, pts errPoints, dashed bool) error {
	if len(pts) == 0 {
		return nil
	}
	xys := make(plotter.XYs, len(pts))
	for i, q := range pts {
		xys[i] = plotter.XY{X: q.X, Y: q.Y}
	}
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return fmt.Errorf("%s series: %w", label, err)
	}
	col := st.color
	l.Color = col
	l.Width = vg.Points(2)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	s.Color = col
	s.Shape = st.glyph
	s.Radius = vg.Points(3.5)
	p.Add(l, s)
	if hasSpread(pts) {
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return fmt.Errorf("%s error bars: %w", label, err)
		}
		eb.Color = col
		eb.Width = vg.Points(1.2)
		p.Add(eb)
	}
	p.Legend.Add(label, l, s)
	return nil
}

func hasSpread(pts errPoints) bool {
	for _, q := range pts {
		if q.Hi > q.Lo {
			return true
		}
	}
	return false
}

// refLine adds a grey dashed reference line through xys.
func refLine(p *plot.Plot, label string, xys plotter.XYs) error {
	return refLineDash(p, label, xys, 6, 4)
}

// modelBound adds a thin dotted line in model's colour: a bound that
// applies to that model only.
func modelBound(p *plot.Plot, model string, c color.Color, label string, xys plotter.XYs) error {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("bound of %s: %w", model, err)
	}
	l.Color = c
	l.Width = vg.Points(1)
	l.Dashes = []vg.Length{vg.Points(1.5), vg.Points(2)}
	p.Add(l)
	p.Legend.Add(label, l)
	return nil
}

// refLineDash adds a grey reference line with the given dash pattern (pt).
func refLineDash(p *plot.Plot, label string, xys plotter.XYs, on, off float64) error {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return fmt.Errorf("reference line %s: %w", label, err)
	}
	l.Color = refGrey
	l.Width = vg.Points(1.5)
	l.Dashes = []vg.Length{vg.Points(on), vg.Points(off)}
	p.Add(l)
	if label != "" {
		p.Legend.Add(label, l)
	}
	return nil
}

// bar is one vertical bar of a grouped bar chart. Bars are never stacked:
// the charts with a log axis would overstate the top part.
type bar struct {
	X, Y, Lo, Hi float64
	Color        color.Color
}

// bars draws vertical bars from the bottom of the plot area, so they work
// on log axes too (plotter.BarChart starts at 0, which a log scale cannot
// show).
type bars struct {
	items []bar
	width float64 // in X data units
}

// Plot implements plot.Plotter.
func (b *bars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	ls := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	for _, it := range b.items {
		x0, x1 := trX(it.X-b.width/2), trX(it.X+b.width/2)
		y1 := trY(it.Y)
		y0 := c.Min.Y
		if plt.Y.Min <= 0 && plt.Y.Max > 0 {
			if _, lin := plt.Y.Scale.(plot.LinearScale); lin {
				y0 = trY(0)
			}
		}
		poly := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(it.Color, c.ClipPolygonY(poly))
		if it.Hi > it.Lo {
			xm := (x0 + x1) / 2
			lo, hi := trY(it.Lo), trY(it.Hi)
			whisker := (x1 - x0) / 4
			c.StrokeLines(ls, c.ClipLinesY([]vg.Point{{X: xm, Y: lo}, {X: xm, Y: hi}}, []vg.Point{{X: xm - whisker, Y: lo}, {X: xm + whisker, Y: lo}}, []vg.Point{{X: xm - whisker, Y: hi}, {X: xm + whisker, Y: hi}})...)
		}
	}
}

// DataRange implements plot.DataRanger.
func (b *bars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for _, it := range b.items {
		xmin = math.Min(xmin, it.X-b.width/2)
		xmax = math.Max(xmax, it.X+b.width/2)
		ymin = math.Min(ymin, math.Min(it.Y, it.Lo))
		ymax = math.Max(ymax, math.Max(it.Y, it.Hi))
	}
	return
}

// swatch is a legend entry: a filled box.
type swatch struct{ c color.Color }

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	pts := []vg.Point{{X: c.Min.X, Y: c.Min.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Max.Y}, {X: c.Max.X, Y: c.Min.Y}}
	c.FillPolygon(s.c, c.ClipPolygonY(pts))
}

// groupOffset places bar i of k bars in a group of total width 0.8 around 0.
func groupOffset(i, k int) (offset, width float64) {
	width = 0.8 / float64(k)
	return -0.4 + width*(float64(i)+0.5), width * 0.92
}
