package report

import (
	"bytes"
	"fmt"
	"image/color"
	stddraw "image/draw"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"concbench/resultfmt"
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

// render draws the figure as SVG and PNG in memory. Every plot is checked
// first (drawable), so no infinite or absurd coordinate reaches a
// rasteriser.
func (f *figure) render() ([]output, error) {
	for _, row := range f.grid {
		for _, p := range row {
			if p == nil {
				continue
			}
			if err := drawable(p); err != nil {
				return nil, fmt.Errorf("chart %s: %w", f.name, err)
			}
		}
	}
	var out []output
	for _, ext := range []string{"svg", "png"} {
		c, err := draw.NewFormattedCanvas(f.w, f.h, ext)
		if err != nil {
			return nil, fmt.Errorf("chart %s: %w", f.name, err)
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
		var data []byte
		if img, ok := c.(interface{ Image() stddraw.Image }); ok && ext == "png" {
			if data, err = compactPNG(img.Image()); err != nil {
				return nil, fmt.Errorf("chart %s: %w", f.name, err)
			}
		} else {
			var buf bytes.Buffer
			if _, err := c.WriteTo(&buf); err != nil {
				return nil, fmt.Errorf("chart %s: render %s: %w", f.name, ext, err)
			}
			data = buf.Bytes()
		}
		out = append(out, output{name: f.name + "." + ext, data: data})
	}
	return out, nil
}

// maxCoord bounds an axis end: beyond it a rasteriser spends minutes (or
// forever) on one path. Validated results stay far below it.
const maxCoord = 1e15

// drawable reports an axis the rasterisers cannot draw: an end that is not
// finite or beyond maxCoord, or one <= 0 on a log scale (gonum panics).
// The results file is the only source of such a value, so the error wraps
// resultfmt.ErrBadResults.
func drawable(p *plot.Plot) error {
	for _, a := range []struct {
		name string
		ax   *plot.Axis
	}{{"x", &p.X}, {"y", &p.Y}} {
		lo, hi := a.ax.Min, a.ax.Max
		_, logScale := a.ax.Scale.(plot.LogScale)
		if !(math.Abs(lo) <= maxCoord && math.Abs(hi) <= maxCoord) || (logScale && lo <= 0) {
			return fmt.Errorf("%w: %q: %s axis range %g..%g cannot be drawn", resultfmt.ErrBadResults, p.Title.Text, a.name, lo, hi)
		}
	}
	return nil
}

// Chart is one chart of the report: its image files (each written as SVG
// and PNG), a caption written from the data, or why it was left out.
type Chart struct {
	ID    string
	Title string
	// Files are the file stems (name without extension) in the report
	// directory; a chart may have several (one per workload).
	Files   []string
	Caption string
	// Missing says why the chart was not drawn (its data is absent).
	Missing string
}

// missing is returned by a chart builder whose data is absent.
type missing string
