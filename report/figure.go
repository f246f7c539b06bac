package report

import (
	"bytes"
	"concbench/resultfmt"
	"fmt"
	"image/color"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// figure is one chart file: a grid of plots (one, or small multiples).
type figure struct {
	name  string // file stem
	title string // overall title for small multiples ("" for one plot)
	grid  [][]*plot.Plot
	w, h  vg.Length
}

// single is a figure of one standard-size plot.
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
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("chart %s: render %s: %w", f.name, ext, err)
		}
		// Atomic, like every output file: a full disk or Ctrl-C never
		// leaves a half-written chart.
		if err := resultfmt.WriteAtomic(filepath.Join(dir, f.name+"."+ext), buf.Bytes()); err != nil {
			return fmt.Errorf("chart %s: %w", f.name, err)
		}
	}
	return nil
}
