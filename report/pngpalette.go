package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"slices"
)

// Note: a chart is a few flat colours plus their anti-aliased edges (some
// 700 to 2,700 colours in all). Keeping its 256 most frequent colours and
// mapping each other pixel to the nearest of them changes no line, marker
// or letter a reader sees, and the 8-bit paletted PNG is less than half the
// size of the RGBA one gonum/plot writes (results/default: 681 KB of PNGs
// became 295 KB). The canvas's image is encoded directly, never decoded
// from an RGBA PNG first; default compression, since best compression
// saves 8% more for twice the time.

// compactPNG encodes im as a PNG with a palette of its 256 most frequent
// colours.
func compactPNG(im image.Image) ([]byte, error) {
	bd := im.Bounds()
	rgba, ok := im.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(bd)
		draw.Draw(rgba, bd, im, bd.Min, draw.Src)
	}
	// Pixels as 32-bit keys, counted run by run (most runs are long:
	// background, bars, grid).
	n := bd.Dx() * bd.Dy()
	keys := make([]uint32, 0, n)
	for y := 0; y < bd.Dy(); y++ {
		row := rgba.Pix[y*rgba.Stride : y*rgba.Stride+4*bd.Dx()]
		for i := 0; i < len(row); i += 4 {
			keys = append(keys, uint32(row[i])<<24|uint32(row[i+1])<<16|uint32(row[i+2])<<8|uint32(row[i+3]))
		}
	}
	count := map[uint32]int{}
	for i := 0; i < n; {
		j := i + 1
		for j < n && keys[j] == keys[i] {
			j++
		}
		count[keys[i]] += j - i
		i = j
	}
	cols := make([]uint32, 0, len(count))
	for k := range count {
		cols = append(cols, k)
	}
	slices.SortFunc(cols, func(a, b uint32) int {
		if count[a] != count[b] {
			return count[b] - count[a]
		}
		return int(int64(a) - int64(b))
	})
	pal := make(color.Palette, 0, 256)
	for _, k := range cols[:min(256, len(cols))] {
		pal = append(pal, color.RGBA{uint8(k >> 24), uint8(k >> 16), uint8(k >> 8), uint8(k)})
	}
	out := image.NewPaletted(image.Rect(0, 0, bd.Dx(), bd.Dy()), pal)
	index := map[uint32]uint8{}
	for i := 0; i < n; {
		k, ok := index[keys[i]]
		if !ok {
			c := keys[i]
			k = uint8(pal.Index(color.RGBA{uint8(c >> 24), uint8(c >> 16), uint8(c >> 8), uint8(c)}))
			index[keys[i]] = k
		}
		j := i
		for j < n && keys[j] == keys[i] {
			out.Pix[j] = k // Pix rows are exactly Dx wide: Stride == Dx
			j++
		}
		i = j
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return buf.Bytes(), nil
}
