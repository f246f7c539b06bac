package compare

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	_ "gonum.org/v1/plot/vg/vgimg" // PNG
	_ "gonum.org/v1/plot/vg/vgsvg" // SVG

	rf "concbench/resultfmt"
)

// Colour-blind safe (Okabe-Ito) colours of the chart: better, worse, and
// no significant change.
var (
	colBetter = color.RGBA{0x00, 0x72, 0xB2, 0xff} // blue
	colWorse  = color.RGBA{0xD5, 0x5E, 0x00, 0xff} // vermillion
	colSame   = color.RGBA{0xB0, 0xB0, 0xB0, 0xff} // grey
	colRef    = color.RGBA{0x40, 0x40, 0x40, 0xff}
)

// Chart geometry: one panel per metric side by side, one bar row per
// configuration.
const (
	panelW = 190 * vg.Length(1)
	rowH   = 13 * vg.Length(1)
	charW  = 5.2 * vg.Length(1) // per character of a configuration name at 9 pt
	extraH = 130 * vg.Length(1) // title, axis labels and ticks
)

// WriteChart draws the changes as path (.svg or .png): one panel per
// metric, one horizontal bar per configuration from 1x to its ratio on a
// log scale, the 95% interval as whiskers, a reference line at 1x, bars
// coloured by significant improvement, regression or no change.
func (c *Comparison) WriteChart(path string) error {
	ext := strings.TrimPrefix(filepath.Ext(path), ".")
	if ext != "svg" && ext != "png" {
		return fmt.Errorf("chart %s: want a .svg or .png file name", path)
	}
	if len(c.Rows) == 0 {
		return fmt.Errorf("chart %s: no configuration in both runs to draw", path)
	}
	longest := 0
	for _, r := range c.Rows {
		longest = max(longest, len(r.Config.Name))
	}
	labelW := charW*vg.Length(longest) + 40
	w := labelW + panelW*vg.Length(len(Metrics))
	h := rowH*vg.Length(len(c.Rows)) + extraH
	cv, err := draw.NewFormattedCanvas(w, h, ext)
	if err != nil {
		return fmt.Errorf("chart %s: %w", path, err)
	}
	dc := draw.New(cv)
	title := fmt.Sprintf("Change new / old: %s vs %s", c.New.Label, c.Old.Label)
	sty := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(13)), XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	dc.FillText(sty, vg.Point{X: w / 2, Y: h - 4}, title)
	key(&dc, vg.Point{X: w / 2, Y: h - 24})
	dc.Max.Y -= 44
	left := vg.Length(0)
	for i := range Metrics {
		pw := panelW
		if i == 0 {
			pw += labelW
		}
		p, err := c.panel(i, i == 0)
		if err != nil {
			return fmt.Errorf("chart %s: %w", path, err)
		}
		p.Draw(draw.Crop(dc, left, left+pw-w, 0, 0))
		left += pw
	}
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return fmt.Errorf("chart %s: %w", path, err)
	}
	return rf.WriteAtomic(path, buf.Bytes())
}

// key explains the bar colours in one line centred at top.
func key(dc *draw.Canvas, top vg.Point) {
	items := []struct {
		col  color.Color
		text string
	}{{colBetter, "significantly better"}, {colWorse, "significantly worse"}, {colSame, "~ no significant change or too few repeats"}, {colRef, "whiskers: 95% CI"}}
	sty := draw.TextStyle{Color: color.Black, Font: font.From(plot.DefaultFont, vg.Points(9)), YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	var total vg.Length
	for _, it := range items {
		total += 16 + sty.Width(it.text) + 14
	}
	x := top.X - total/2
	for _, it := range items {
		dc.FillPolygon(it.col, []vg.Point{{X: x, Y: top.Y - 2}, {X: x + 12, Y: top.Y - 2}, {X: x + 12, Y: top.Y - 10}, {X: x, Y: top.Y - 10}})
		dc.FillText(sty, vg.Point{X: x + 16, Y: top.Y}, it.text)
		x += 16 + sty.Width(it.text) + 14
	}
}

// panel draws metric i for every row; labels puts the configuration names
// on its y axis.
func (c *Comparison) panel(i int, labels bool) (*plot.Plot, error) {
	m := Metrics[i]
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s (%s)", m.Name, m.Unit)
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.X.Label.Text = "new / old, log scale"
	p.X.Label.TextStyle.Font.Size = vg.Points(9)
	p.X.Tick.Label.Font.Size = vg.Points(8)
	p.Y.Tick.Label.Font.Size = vg.Points(9)
	p.X.Tick.Marker = ratioTicks{}
	n := len(c.Rows)
	names := make([]string, n)
	bars := map[color.Color]plotter.Values{colBetter: make(plotter.Values, n), colWorse: make(plotter.Values, n), colSame: make(plotter.Values, n)}
	var errs struct {
		plotter.XYs
		plotter.XErrors
	}
	lo, hi := -0.1, 0.1
	for j, row := range c.Rows {
		// The first configuration is drawn at the top.
		y := n - 1 - j
		if labels {
			names[y] = row.Config.Name
		}
		ch := row.Changes[i]
		if !ch.Defined() {
			continue
		}
		x := math.Log2(ch.Ratio)
		col := colSame
		switch {
		case ch.Better():
			col = colBetter
		case ch.Worse():
			col = colWorse
		}
		bars[col][y] = x
		lo, hi = min(lo, x), max(hi, x)
		if !math.IsNaN(ch.Lo) {
			l, u := math.Log2(ch.Lo), math.Log2(ch.Hi)
			errs.XYs = append(errs.XYs, plotter.XY{X: x, Y: float64(y)})
			errs.XErrors = append(errs.XErrors, struct{ Low, High float64 }{x - l, u - x})
			lo, hi = min(lo, l), max(hi, u)
		}
	}
	if labels {
		p.Y.Label.Text = "configuration"
		p.Y.Label.TextStyle.Font.Size = vg.Points(9)
	}
	for _, col := range []color.Color{colSame, colBetter, colWorse} {
		b, err := plotter.NewBarChart(bars[col], rowH*0.7)
		if err != nil {
			return nil, err
		}
		b.Horizontal = true
		b.Color = col
		b.LineStyle.Width = 0
		p.Add(b)
	}
	if len(errs.XYs) > 0 {
		eb, err := plotter.NewXErrorBars(errs)
		if err != nil {
			return nil, err
		}
		eb.CapWidth = rowH * 0.4
		p.Add(eb)
	}
	ref, err := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.5}, {X: 0, Y: float64(n) - 0.5}})
	if err != nil {
		return nil, err
	}
	ref.Color, ref.Dashes, ref.Width = colRef, []vg.Length{3, 2}, 1
	p.Add(ref)
	p.NominalY(names...)
	pad := (hi - lo) * 0.08
	p.X.Min, p.X.Max = lo-pad, hi+pad
	return p, nil
}

// ratioTicks labels a log2 axis with ratios: evenly spaced ratios (0.9x,
// 1x, 1.1x) when the range is narrow, powers of two when it is wide.
type ratioTicks struct{}

// Ticks implements plot.Ticker.
func (ratioTicks) Ticks(lo, hi float64) []plot.Tick {
	var cands []float64
	if hi-lo <= 2 {
		rlo, rhi := math.Exp2(lo), math.Exp2(hi)
		step := niceStep((rhi - rlo) / 4)
		for r := math.Ceil(rlo/step) * step; r <= rhi; r += step {
			cands = append(cands, math.Round(r/step)*step)
		}
	} else {
		step := math.Ceil((hi - lo) / 6)
		for e := math.Ceil(lo/step) * step; e <= hi; e += step {
			cands = append(cands, math.Exp2(e))
		}
	}
	var ts []plot.Tick
	for _, r := range cands {
		if v := math.Log2(r); r > 0 && v >= lo && v <= hi {
			ts = append(ts, plot.Tick{Value: v, Label: strconv.FormatFloat(r, 'g', 3, 64) + "x"})
		}
	}
	return ts
}

// niceStep rounds x up to 1, 2, 2.5 or 5 times a power of ten.
func niceStep(x float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}
