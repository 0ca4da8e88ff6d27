package figure

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot/palette"
)

// viridis is a map's colour map: linear interpolation between five colours
// of matplotlib's viridis (dark blue for the smallest values, yellow for
// the largest), perceptually ordered and legible in grey. It is computed
// with basic arithmetic only, so that an SVG has the same colours on
// every machine.
type viridis struct{ min, max float64 }

var viridisAnchors = [...]color.NRGBA{
	{0x44, 0x01, 0x54, 0xff},
	{0x3b, 0x52, 0x8b, 0xff},
	{0x21, 0x91, 0x8c, 0xff},
	{0x5e, 0xc9, 0x62, 0xff},
	{0xfd, 0xe7, 0x25, 0xff},
}

func (v *viridis) At(x float64) (color.Color, error) {
	if !(x >= v.min && x <= v.max) {
		return nil, fmt.Errorf("figure: %v outside the colour map's [%v, %v]", x, v.min, v.max)
	}
	t := 0.0
	if v.max > v.min {
		t = (x - v.min) / (v.max - v.min)
	}
	f := float64(t * float64(len(viridisAnchors)-1)) // rounded on its own: no fused multiply-add
	k := min(int(f), len(viridisAnchors)-2)
	w := f - float64(k)
	a, b := viridisAnchors[k], viridisAnchors[k+1]
	mix := func(p, q uint8) uint8 { return uint8(float64(p) + float64(w*(float64(q)-float64(p))) + 0.5) }
	return color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}, nil
}

func (v *viridis) Max() float64     { return v.max }
func (v *viridis) SetMax(x float64) { v.max = x }
func (v *viridis) Min() float64     { return v.min }
func (v *viridis) SetMin(x float64) { v.min = x }
func (v *viridis) Alpha() float64   { return 1 }
func (v *viridis) SetAlpha(a float64) {
	if a != 1 {
		panic("figure: the colour map is opaque")
	}
}

// Palette returns n colours from the smallest value to the largest.
func (v *viridis) Palette(n int) palette.Palette {
	cs := make([]color.Color, n)
	for i := range cs {
		x := v.min
		if n > 1 {
			x = v.min + float64(float64(i)/float64(n-1)*(v.max-v.min))
		}
		cs[i], _ = v.At(min(x, v.max))
	}
	return colors(cs)
}

type colors []color.Color

func (c colors) Colors() []color.Color { return c }

var _ palette.ColorMap = (*viridis)(nil)
