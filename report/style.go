package report

import (
	"image/color"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"concbench/resultfmt"
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

// Okabe-Ito colours (colour-blind safe), one per model everywhere; a few
// of Paul Tol's colour-blind-safe set for the models of other runtimes,
// and a dark red for the threads model.
var (
	okBlack      = color.RGBA{0x00, 0x00, 0x00, 0xff}
	okOrange     = color.RGBA{0xE6, 0x9F, 0x00, 0xff}
	okSky        = color.RGBA{0x56, 0xB4, 0xE9, 0xff}
	okGreen      = color.RGBA{0x00, 0x9E, 0x73, 0xff}
	okBlue       = color.RGBA{0x00, 0x72, 0xB2, 0xff}
	okVermillion = color.RGBA{0xD5, 0x5E, 0x00, 0xff}
	okPurple     = color.RGBA{0xCC, 0x79, 0xA7, 0xff}
	tolWine      = color.RGBA{0x88, 0x22, 0x55, 0xff}
	tolTeal      = color.RGBA{0x44, 0xAA, 0x99, 0xff}
	tolOlive     = color.RGBA{0x99, 0x99, 0x33, 0xff}
	tolIndigo    = color.RGBA{0x33, 0x22, 0x88, 0xff}
	// threadRed is the threads model's: the colour farthest (CIEDE2000,
	// under normal vision and simulated deuteranopia, protanopia and
	// tritanopia) from every other model's, among mid-dark colours that
	// read as thin lines on white; TestThreadsDistinct checks it.
	threadRed = color.RGBA{0x99, 0x00, 0x00, 0xff}
	tolSand   = color.RGBA{0x99, 0x77, 0x00, 0xff}
	midGrey   = color.RGBA{0x77, 0x77, 0x77, 0xff}
	refGrey   = color.RGBA{0x80, 0x80, 0x80, 0xff}
)

// modelStyle is how a model is drawn in every chart: its colour, and a
// marker so charts also read in greyscale.
type modelStyle struct {
	color color.Color
	glyph draw.GlyphDrawer
}

// styleKey is the traits a style is chosen by: a model's family, kind,
// and whether it runs in parallel or in processes.
type styleKey struct {
	family                     string
	kind                       resultfmt.ModelKind
	parallel, process, threads bool
}

// kindStyles style models by their traits (never by name). Go models have
// filled markers; Python's and Node's have outline markers in the colour
// of their Go counterpart's family (event loops warm, threads green-blue,
// processes purple), so "asyncio sits with the event loop" shows at a
// glance. A key with several styles styles the models that share those
// traits in display order (two Python event loops: asyncio, uvloop).
var kindStyles = map[styleKey][]modelStyle{
	{resultfmt.FamilyGo, resultfmt.KindSequential, false, false, false}: {{okBlack, draw.BoxGlyph{}}},
	{resultfmt.FamilyGo, resultfmt.KindEventLoop, false, false, false}:  {{okOrange, draw.TriangleGlyph{}}},
	{resultfmt.FamilyGo, resultfmt.KindPerTask, true, false, false}:     {{okBlue, draw.CircleGlyph{}}, {threadRed, diamondGlyph{}}}, // goroutines; threads in files without its os_threads trait
	{resultfmt.FamilyGo, resultfmt.KindPerTask, true, false, true}:      {{threadRed, diamondGlyph{}}},                               // threads
	{resultfmt.FamilyGo, resultfmt.KindPool, true, false, false}:        {{okGreen, draw.SquareGlyph{}}},
	{resultfmt.FamilyGo, resultfmt.KindPool, true, true, false}:         {{okPurple, draw.PyramidGlyph{}}},
	{familyPython, resultfmt.KindSequential, false, false, false}:       {{midGrey, draw.CrossGlyph{}}},
	{familyPython, resultfmt.KindEventLoop, false, false, false}:        {{okVermillion, draw.RingGlyph{}}, {tolSand, draw.RingGlyph{}}},
	{familyPython, resultfmt.KindPool, false, false, false}:             {{okSky, draw.CrossGlyph{}}},
	{familyPython, resultfmt.KindPool, true, true, false}:               {{tolWine, draw.RingGlyph{}}},
	{familyNode, resultfmt.KindEventLoop, false, false, false}:          {{tolOlive, draw.PlusGlyph{}}},
	{familyNode, resultfmt.KindEventLoop, true, false, false}:           {{tolTeal, draw.PlusGlyph{}}},
}

// diamondGlyph is a filled diamond, the threads model's marker: no other
// model uses it (gonum's glyphs are all taken).
type diamondGlyph struct{}

// DrawGlyph implements draw.GlyphDrawer.
func (diamondGlyph) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetColor(sty.Color)
	r := sty.Radius * 1.25 // a diamond of the radius looks smaller than a box
	var p vg.Path
	p.Move(vg.Point{X: pt.X, Y: pt.Y + r})
	p.Line(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Line(vg.Point{X: pt.X, Y: pt.Y - r})
	p.Line(vg.Point{X: pt.X - r, Y: pt.Y})
	p.Close()
	c.Fill(p)
}

// familyNode is the runtime family of the Node.js models.
const familyNode = "Node.js"

func keyOf(t resultfmt.ModelTraits) styleKey {
	return styleKey{t.Family, t.Kind, t.Parallel, t.Processes, t.OSThreads}
}

// fallbackColors style a model the report does not know (a model added
// later, or by a user): chosen by the name's hash, with a ring marker.
// None is the colour of a known model.
var fallbackColors = []color.Color{
	tolIndigo,
	color.RGBA{0x88, 0xCC, 0xEE, 0xff}, // Tol cyan
	color.RGBA{0xCC, 0x66, 0x77, 0xff}, // Tol rose
	color.RGBA{0x11, 0x77, 0x33, 0xff}, // Tol green
}

// styleOf returns the style of a model with traits t, the nth (from 0)
// with those traits in display order; a model whose traits have no style
// gets a fallback colour chosen by its name's hash and a ring marker.
func styleOf(t resultfmt.ModelTraits, name string, nth int) modelStyle {
	if ss := kindStyles[keyOf(t)]; t.Name != "" && nth < len(ss) {
		return ss[nth]
	}
	h := 0
	for _, r := range name {
		h = h*31 + int(r)
	}
	return modelStyle{fallbackColors[(h%len(fallbackColors)+len(fallbackColors))%len(fallbackColors)], draw.RingGlyph{}}
}

// modelStyle is the style of model in d: by its traits, and its position
// among d's models with the same traits.
func (d *Data) modelStyle(model string) modelStyle {
	t := d.traits(model)
	nth := 0
	for _, m := range d.modelNames() {
		if m == model {
			break
		}
		if u := d.traits(m); u.Name != "" && keyOf(u) == keyOf(t) {
			nth++
		}
	}
	return styleOf(t, model, nth)
}

// machineShades and machineGlyphs tell machines apart in a report across
// machines: a series keeps its model's colour family, so "a model on the
// laptop" and "the same model on the server" read as one model. The first
// machine is drawn in the model's own style; the i-th (i >= 1) shaded by
// machineShades[i-1] (lighter > 0, darker < 0) with marker machineGlyphs[i-1],
// cycling.
var (
	machineShades = []float64{0.5, -0.4, 0.25, -0.2}
	machineGlyphs = []draw.GlyphDrawer{draw.RingGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}}
)

// seriesStyle is the style of a series (see Cell.Series): its model's, or
// for "model @ machine" the model's varied by the machine's position among
// d's inputs.
func (d *Data) seriesStyle(series string) modelStyle {
	base, label, ok := strings.Cut(series, seriesSep)
	s := d.modelStyle(base)
	i := slices.IndexFunc(d.Inputs, func(in Input) bool { return in.Label == label })
	if !ok || i <= 0 {
		return s
	}
	if f := machineShades[(i-1)%len(machineShades)]; f > 0 {
		s.color = lighter(s.color, f)
	} else {
		s.color = darker(s.color, -f)
	}
	s.glyph = machineGlyphs[(i-1)%len(machineGlyphs)]
	return s
}

// color is a series' colour in d's charts.
func (d *Data) color(series string) color.Color { return d.seriesStyle(series).color }

// ModelStyled reports whether a model with traits t has its own colour
// and marker (the first of its traits); other models get a fallback style
// (a test checks every registered model has one).
func ModelStyled(t resultfmt.ModelTraits) bool { return t.Name != "" && len(kindStyles[keyOf(t)]) > 0 }

// ModelColor is the colour of a model with traits t (the first with those
// traits) in every chart.
func ModelColor(t resultfmt.ModelTraits) color.Color { return styleOf(t, t.Name, 0).color }

// darker mixes c with black (f = 0: c, 1: black).
func darker(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8) * (1 - f)) }
	return color.RGBA{mix(r), mix(g), mix(b), 0xff}
}

// lighter mixes c with white (f = 0: c, 1: white).
func lighter(c color.Color, f float64) color.Color {
	r, g, b, _ := c.RGBA()
	mix := func(v uint32) uint8 { return uint8(float64(v>>8) + (255-float64(v>>8))*f) }
	return color.RGBA{mix(r), mix(g), mix(b), 0xff}
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
