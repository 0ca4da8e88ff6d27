package figure

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// A legend goes inside the axes, in the corner where it hides the least
// (matplotlib's loc="best", restricted to the corners), unless every
// corner would hide more than maxHidden of the plot's elements: then it
// goes outside, to the right of the plot.
const maxHidden = 1

// The legend's spacing: legendInset from the axes to its frame,
// legendPad from its frame to its entries, legendGap between the plot and
// a legend outside it.
const (
	legendInset = vg.Length(5)
	legendPad   = vg.Length(4)
	legendGap   = vg.Length(6)
)

// corner is a legend's place inside the axes, in the order of preference
// of matplotlib's "best" when two hide as much.
type corner int

const (
	upperRight corner = iota
	upperLeft
	lowerLeft
	lowerRight
	outside // to the right of the axes
)

func (k corner) String() string {
	return [...]string{"upper right", "upper left", "lower left", "lower right", "outside"}[k]
}

// obstacles is what a legend inside the axes could hide, in data
// coordinates.
type obstacles struct {
	points []point    // markers
	bars   [][2]point // error bars, each counted
	lines  [][]point  // polylines, each counted once however many segments a box crosses
	rects  []bin      // histogram bins
	vlines []float64  // vertical lines across the axes
}

type point struct{ x, y float64 }

// bin is a histogram's bin from min to max along X, from the axis to
// height (the axis is the bottom of the data canvas, as plotter.Histogram
// draws it, which is not 0 on a log axis).
type bin struct{ min, max, height float64 }

// hidden counts the obstacles that box (in canvas coordinates) would hide
// on the data canvas da of p: markers within markerRadius of it, error
// bars, polylines, bins and vertical lines that cross it.
func (o *obstacles) hidden(p *plot.Plot, da draw.Canvas, box vg.Rectangle) int {
	tx, ty := p.Transforms(&da)
	at := func(q point) vg.Point { return vg.Point{X: tx(q.x), Y: ty(q.y)} }
	n := 0
	grown := vg.Rectangle{
		Min: vg.Point{X: box.Min.X - markerRadius, Y: box.Min.Y - markerRadius},
		Max: vg.Point{X: box.Max.X + markerRadius, Y: box.Max.Y + markerRadius},
	}
	for _, q := range o.points {
		if contains(grown, at(q)) {
			n++
		}
	}
	for _, b := range o.bars {
		if segmentHits(at(b[0]), at(b[1]), box) {
			n++
		}
	}
	for _, l := range o.lines {
		for i := 1; i < len(l); i++ {
			if segmentHits(at(l[i-1]), at(l[i]), box) {
				n++
				break
			}
		}
	}
	for _, b := range o.rects {
		if tx(b.min) < box.Max.X && tx(b.max) > box.Min.X && da.Min.Y < box.Max.Y && ty(b.height) > box.Min.Y {
			n++
		}
	}
	for _, x := range o.vlines {
		if cx := tx(x); cx >= box.Min.X && cx <= box.Max.X {
			n++
		}
	}
	return n
}

func contains(r vg.Rectangle, q vg.Point) bool {
	return q.X >= r.Min.X && q.X <= r.Max.X && q.Y >= r.Min.Y && q.Y <= r.Max.Y
}

// segmentHits reports whether the segment from a to b meets r
// (Liang–Barsky clipping).
func segmentHits(a, b vg.Point, r vg.Rectangle) bool {
	t0, t1 := 0.0, 1.0
	dx, dy := float64(b.X-a.X), float64(b.Y-a.Y)
	for _, e := range [...]struct{ p, q float64 }{
		{-dx, float64(a.X - r.Min.X)},
		{dx, float64(r.Max.X - a.X)},
		{-dy, float64(a.Y - r.Min.Y)},
		{dy, float64(r.Max.Y - a.Y)},
	} {
		if e.p == 0 {
			if e.q < 0 {
				return false
			}
			continue
		}
		t := e.q / e.p
		if e.p < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
		if t0 > t1 {
			return false
		}
	}
	return true
}

// legendSize returns the size of l's framed box.
func legendSize(l *plot.Legend) vg.Point {
	r := l.Rectangle(draw.Canvas{})
	descent := l.TextStyle.FontExtents().Descent
	return vg.Point{
		X: r.Max.X - r.Min.X + 2*legendPad,
		Y: r.Max.Y - r.Min.Y + descent + 2*legendPad,
	}
}

// cornerBox returns the box of size sz in corner k of da, legendInset
// from its edges.
func cornerBox(da vg.Rectangle, sz vg.Point, k corner) vg.Rectangle {
	var r vg.Rectangle
	switch k {
	case upperLeft, lowerLeft:
		r.Min.X = da.Min.X + legendInset
	default:
		r.Min.X = da.Max.X - legendInset - sz.X
	}
	switch k {
	case lowerLeft, lowerRight:
		r.Min.Y = da.Min.Y + legendInset
	default:
		r.Min.Y = da.Max.Y - legendInset - sz.Y
	}
	r.Max = vg.Point{X: r.Min.X + sz.X, Y: r.Min.Y + sz.Y}
	return r
}

// bestCorner returns the corner of p's data canvas da where a legend of
// size sz hides the fewest obstacles, and how many it hides there;
// outside when the legend does not fit in the axes or hides more than
// maxHidden everywhere.
func bestCorner(p *plot.Plot, da draw.Canvas, o *obstacles, sz vg.Point) (corner, int) {
	if sz.X+2*legendInset > da.Max.X-da.Min.X || sz.Y+2*legendInset > da.Max.Y-da.Min.Y {
		return outside, -1
	}
	best, fewest := outside, math.MaxInt
	for k := upperRight; k < outside; k++ {
		if n := o.hidden(p, da, cornerBox(da.Rectangle, sz, k)); n < fewest {
			best, fewest = k, n
		}
	}
	if fewest > maxHidden {
		return outside, fewest
	}
	return best, fewest
}

// legendFrame is the legend's box: a light grey frame, as matplotlib's,
// on white that lets what it covers show faintly.
var (
	legendFrame = draw.LineStyle{Color: color.Gray{0xcc}, Width: vg.Points(0.8)}
	legendFill  = color.NRGBA{0xff, 0xff, 0xff, 0xcc}
)

// drawLegend draws l in its frame, box, with each entry's thumbnail
// left of its text.
func drawLegend(c draw.Canvas, l *plot.Legend, box vg.Rectangle) {
	c.FillPolygon(legendFill, []vg.Point{
		box.Min, {X: box.Max.X, Y: box.Min.Y}, box.Max, {X: box.Min.X, Y: box.Max.Y},
	})
	c.StrokeLines(legendFrame, []vg.Point{
		box.Min, {X: box.Max.X, Y: box.Min.Y}, box.Max, {X: box.Min.X, Y: box.Max.Y}, box.Min,
	})
	inner := c
	inner.Rectangle = vg.Rectangle{
		Min: vg.Point{X: box.Min.X + legendPad, Y: box.Min.Y + legendPad},
		Max: vg.Point{X: box.Max.X - legendPad, Y: box.Max.Y - legendPad},
	}
	l.Left, l.Top = true, true
	l.Draw(inner)
}
