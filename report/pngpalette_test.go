package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

// TestCompactPNG: the paletted re-encoding keeps the size and the exact
// colours of flat areas, and maps a rare colour to its nearest kept one.
func TestCompactPNG(t *testing.T) {
	im := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := 0; y < 30; y++ {
		for x := 0; x < 40; x++ {
			// 300 distinct greys in the first rows, then flat colours.
			c := color.RGBA{uint8(x), uint8(y), uint8((x * y) % 7), 255}
			if y >= 10 {
				c = color.RGBA{0xE6, 0x9F, 0x00, 0xff}
			}
			im.Set(x, y, c)
		}
	}
	out, err := compactPNG(im)
	if err != nil {
		t.Fatal(err)
	}
	got, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := got.(*image.Paletted)
	if !ok || p.Bounds() != im.Bounds() || len(p.Palette) > 256 {
		t.Fatalf("got %T %v with %d colours", got, got.Bounds(), len(p.Palette))
	}
	if c := color.RGBAModel.Convert(p.At(20, 20)); c != (color.RGBA{0xE6, 0x9F, 0x00, 0xff}) {
		t.Errorf("flat colour became %v", c)
	}
	r, g, _, _ := p.At(39, 9).RGBA()
	if d := int(r>>8) - 39 + int(g>>8) - 9; d > 20 || d < -20 {
		t.Errorf("a rare colour was mapped far away: %v", p.At(39, 9))
	}
}
