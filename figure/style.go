package figure

import (
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The look of every figure, after matplotlib's defaults: the tab10
// colours, filled markers, 1 pt lines, 10 pt tick labels and legend.
var (
	// tab10 is matplotlib's default colour cycle (Vega's category10),
	// distinguishable on screen and in print.
	tab10 = [...]color.NRGBA{
		{0x1f, 0x77, 0xb4, 0xff}, // blue
		{0xff, 0x7f, 0x0e, 0xff}, // orange
		{0x2c, 0xa0, 0x2c, 0xff}, // green
		{0xd6, 0x27, 0x28, 0xff}, // red
		{0x94, 0x67, 0xbd, 0xff}, // purple
		{0x8c, 0x56, 0x4b, 0xff}, // brown
		{0xe3, 0x77, 0xc2, 0xff}, // pink
		{0x7f, 0x7f, 0x7f, 0xff}, // grey
		{0xbc, 0xbd, 0x22, 0xff}, // olive
		{0x17, 0xbe, 0xcf, 0xff}, // cyan
	}
	// glyphs are the series' marker shapes, the filled ones first, so
	// that series differ in grey too.
	glyphs = [...]draw.GlyphDrawer{
		draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{},
		draw.RingGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{},
		draw.CrossGlyph{}, draw.PlusGlyph{},
	}
)

const (
	lineWidth      = vg.Length(1)   // series and axes' ticks, in points
	referenceWidth = vg.Length(1.6) // reference curves, exact lines, normal curves
	markerRadius   = vg.Length(2.5)
	tickFontSize   = vg.Length(10)
	labelFontSize  = vg.Length(12)
	legendFontSize = vg.Length(10)
)

// referenceDashes is the dash pattern of a reference curve and of a
// histogram's exact line: matplotlib's "--" at their width.
var referenceDashes = []vg.Length{vg.Points(6), vg.Points(2.6)}

// seriesColor returns series i's colour.
func seriesColor(i int) color.NRGBA { return tab10[i%len(tab10)] }

// seriesGlyph returns series i's marker shape.
func seriesGlyph(i int) draw.GlyphDrawer { return glyphs[i%len(glyphs)] }

// darker returns c at 60% of its brightness: a reference curve's colour,
// related to its series' and distinct from it where they overlap.
func darker(c color.NRGBA) color.NRGBA {
	f := func(v uint8) uint8 { return uint8(int(v) * 6 / 10) }
	return color.NRGBA{f(c.R), f(c.G), f(c.B), c.A}
}

// withAlpha returns c with opacity a.
func withAlpha(c color.NRGBA, a uint8) color.NRGBA { c.A = a; return c }

// styleAxis gives an axis the house look: tick labels at tickFontSize,
// no padding between the axis line and the data (the data range has
// margins instead), and no axis line, since drawFrame draws a box around
// the data.
func styleAxis(a *plot.Axis) {
	a.Padding = 0
	a.LineStyle.Width = 0
	a.Tick.Label.Font.Size = tickFontSize
	a.Tick.LineStyle.Width = vg.Points(0.8)
	a.Tick.Length = vg.Points(5)
	a.Label.TextStyle.Font.Size = labelFontSize
	a.Label.Padding = vg.Points(3)
}

// frameStyle is the box around the data.
var frameStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(0.8)}

// drawFrame draws the box around a plot's data canvas.
func drawFrame(c draw.Canvas, da vg.Rectangle) {
	c.StrokeLines(frameStyle, []vg.Point{
		da.Min, {X: da.Max.X, Y: da.Min.Y}, da.Max, {X: da.Min.X, Y: da.Max.Y}, da.Min,
	})
}

// newStyledPlot returns a plot with the house look.
func newStyledPlot() *plot.Plot {
	p := plot.New()
	p.BackgroundColor = nil // draw fills the whole page
	styleAxis(&p.X)
	styleAxis(&p.Y)
	p.Title.Padding = vg.Points(8)
	p.Legend.TextStyle.Font = font.From(plot.DefaultFont, legendFontSize)
	p.Legend.ThumbnailWidth = vg.Points(22)
	p.Legend.Padding = vg.Points(1.5)
	return p
}

// drawable replaces the characters that the figures' font, Liberation
// Serif, lacks (a PNG would show an empty box) with look-alikes it has:
// the angle brackets ⟨ ⟩ of a mean with the single guillemets ‹ ›, ∝
// with ~, ℏ with ħ.
var drawable = strings.NewReplacer("⟨", "‹", "⟩", "›", "〈", "‹", "〉", "›", "∝", "~", "ℏ", "ħ").Replace
