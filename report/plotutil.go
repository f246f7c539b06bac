package report

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // PNG
	_ "gonum.org/v1/plot/vg/vgsvg" // SVG
)

// Chart size: 600 x 375 pt is 800 x 500 px at the PNG canvas's 96 dpi,
// the width of a README column.
const (
	chartW = 600 * vg.Length(1)
	chartH = 375 * vg.Length(1)
	// PNGWidth and PNGHeight are the pixel size of a standard chart.
	PNGWidth  = 800
	PNGHeight = 500
)

// Okabe-Ito colours (colour-blind safe), one per model everywhere.
var (
	okBlack      = color.RGBA{0x00, 0x00, 0x00, 0xff}
	okOrange     = color.RGBA{0xE6, 0x9F, 0x00, 0xff}
	okSky        = color.RGBA{0x56, 0xB4, 0xE9, 0xff}
	okGreen      = color.RGBA{0x00, 0x9E, 0x73, 0xff}
	okBlue       = color.RGBA{0x00, 0x72, 0xB2, 0xff}
	okVermillion = color.RGBA{0xD5, 0x5E, 0x00, 0xff}
	okPurple     = color.RGBA{0xCC, 0x79, 0xA7, 0xff}
	refGrey      = color.RGBA{0x80, 0x80, 0x80, 0xff}
)

var modelColors = map[string]color.Color{
	"sequential": okBlack,
	"eventloop":  okOrange,
	"goroutines": okBlue,
	"pool":       okGreen,
	"multiproc":  okPurple,
}

var extraColors = []color.Color{okVermillion, okSky}

// ModelColor is the colour of a model in every chart.
func ModelColor(model string) color.Color {
	if c, ok := modelColors[model]; ok {
		return c
	}
	h := 0
	for _, r := range model {
		h += int(r)
	}
	return extraColors[h%len(extraColors)]
}

// lighter mixes c with white (f = 0: c, 1: white).
func lighter(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8) + (255-float64(v>>8))*f) }
	return color.RGBA{mix(r), mix(g), mix(b), 0xff}
}

// modelGlyphs gives each model its own marker shape too, so charts read
// in greyscale.
var modelGlyphs = map[string]draw.GlyphDrawer{
	"sequential": draw.BoxGlyph{},
	"eventloop":  draw.TriangleGlyph{},
	"goroutines": draw.CircleGlyph{},
	"pool":       draw.SquareGlyph{},
	"multiproc":  draw.PyramidGlyph{},
}

func glyphFor(model string) draw.GlyphDrawer {
	if g, ok := modelGlyphs[model]; ok {
		return g
	}
	return draw.RingGlyph{}
}

// newPlot makes a plot with the report's fonts and a light grid.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(12)
		a.Tick.Label.Font.Size = vg.Points(10.5)
	}
	p.Legend.TextStyle.Font.Size = vg.Points(10.5)
	p.Legend.Top = true
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	g := plotter.NewGrid()
	g.Vertical.Color = color.Gray{0xe4}
	g.Horizontal.Color = color.Gray{0xe4}
	p.Add(g)
	return p
}

// figure is one chart file: a grid of plots (one, or small multiples).
type figure struct {
	name  string // file stem
	title string // overall title for small multiples ("" for one plot)
	grid  [][]*plot.Plot
	w, h  vg.Length
}

func single(name string, p *plot.Plot) *figure {
	return &figure{name: name, grid: [][]*plot.Plot{{p}}, w: chartW, h: chartH}
}

// save writes the figure as dir/name.svg and dir/name.png.
func (f *figure) save(dir string) error {
	for _, ext := range []string{"svg", "png"} {
		c, err := draw.NewFormattedCanvas(f.w, f.h, ext)
		if err != nil {
			return fmt.Errorf("chart %s: %w", f.name, err)
		}
		dc := draw.New(c)
		if f.title != "" {
			sty := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(14)), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
			dc.FillText(sty, vg.Point{X: f.w / 2, Y: f.h - vg.Points(4)}, f.title)
			dc.Max.Y -= vg.Points(22)
		}
		rows, cols := len(f.grid), len(f.grid[0])
		if rows == 1 && cols == 1 {
			f.grid[0][0].Draw(dc)
		} else {
			t := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(10), PadY: vg.Points(10), PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(6)}
			cs := plot.Align(f.grid, t, dc)
			for i := range f.grid {
				for j, p := range f.grid[i] {
					if p != nil {
						p.Draw(cs[i][j])
					}
				}
			}
		}
		path := filepath.Join(dir, f.name+"."+ext)
		out, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("chart %s: %w", f.name, err)
		}
		if _, err := c.WriteTo(out); err != nil {
			out.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := out.Close(); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

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

// fmtNum formats a tick value compactly: 0.001, 0.5, 20, 1k, 10M.
func fmtNum(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return strconv.FormatFloat(v/1e9, 'g', 3, 64) + "G"
	case a >= 1e6:
		return strconv.FormatFloat(v/1e6, 'g', 3, 64) + "M"
	case a >= 1e3:
		return strconv.FormatFloat(v/1e3, 'g', 3, 64) + "k"
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

// padLogRange widens a log axis to the decade-friendly range around the
// data.
func padLogRange(a *plot.Axis, lo, hi float64) {
	a.Min = lo / 1.5
	a.Max = hi * 1.5
}

// errBars are vertical bars from Lo to Hi at X (min..max over repeats).
type errPoint struct{ X, Y, Lo, Hi float64 }

type errPoints []errPoint

func (e errPoints) Len() int                        { return len(e) }
func (e errPoints) XY(i int) (float64, float64)     { return e[i].X, e[i].Y }
func (e errPoints) YError(i int) (float64, float64) { return e[i].Y - e[i].Lo, e[i].Hi - e[i].Y }

// addSeries adds a model's line with markers and min..max error bars.
func addSeries(p *plot.Plot, model, label string, pts errPoints, dashed bool) error {
	if len(pts) == 0 {
		return nil
	}
	xys := make(plotter.XYs, len(pts))
	for i, q := range pts {
		xys[i] = plotter.XY{X: q.X, Y: q.Y}
	}
	l, s, err := plotter.NewLinePoints(xys)
	if err != nil {
		return fmt.Errorf("%s series: %w", model, err)
	}
	col := ModelColor(model)
	l.Color = col
	l.Width = vg.Points(2)
	if dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	s.Color = col
	s.Shape = glyphFor(model)
	s.Radius = vg.Points(3.5)
	p.Add(l, s)
	if hasSpread(pts) {
		eb, err := plotter.NewYErrorBars(pts)
		if err != nil {
			return fmt.Errorf("%s error bars: %w", model, err)
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

// bar is one vertical bar of a grouped bar chart.
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
			cap := (x1 - x0) / 4
			c.StrokeLines(ls, c.ClipLinesY([]vg.Point{{X: xm, Y: lo}, {X: xm, Y: hi}}, []vg.Point{{X: xm - cap, Y: lo}, {X: xm + cap, Y: lo}}, []vg.Point{{X: xm - cap, Y: hi}, {X: xm + cap, Y: hi}})...)
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

// groupOffsets places k bars in a group of total width 0.8 around 0.
func groupOffset(i, k int) (offset, width float64) {
	width = 0.8 / float64(k)
	return -0.4 + width*(float64(i)+0.5), width * 0.92
}
