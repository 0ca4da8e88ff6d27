package figure

import (
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/simrun/simrun/sim/fmath"
)

// unlabelled is a legend's name for a line plot's single series, which
// Build leaves unlabelled.
const unlabelled = "Monte Carlo"

// residualLabel is the Y label of the residual panel.
const residualLabel = "residual / σ"

// xyErrors is the data of plotter.YErrorBars.
type xyErrors struct {
	plotter.XYs
	plotter.YErrors
}

func (e xyErrors) Len() int { return len(e.XYs) }

// seriesMarks is what addLines draws of one series.
type seriesMarks struct {
	line   *plotter.Line
	points *plotter.Scatter
	bars   *plotter.YErrorBars // nil without error bars
}

// newSeriesMarks returns series i's line, markers and error bars, or
// false if none of its points is kept.
func newSeriesMarks(s Series, i int, keepX, keepY func(float64) bool) (seriesMarks, bool, error) {
	col := seriesColor(i)
	var pts plotter.XYs
	var bars xyErrors
	for j := range s.X {
		x, y := s.X[j], s.Y[j]
		if !keepX(x) || !keepY(y) {
			continue
		}
		pts = append(pts, plotter.XY{X: x, Y: y})
		if j < len(s.Lo) && j < len(s.Hi) {
			lo, hi := s.Lo[j], s.Hi[j]
			if keepY(lo) && fmath.IsFinite(hi) && lo <= y && y <= hi {
				bars.XYs = append(bars.XYs, plotter.XY{X: x, Y: y})
				bars.YErrors = append(bars.YErrors, struct{ Low, High float64 }{y - lo, hi - y})
			}
		}
	}
	if len(pts) == 0 {
		return seriesMarks{}, false, nil
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return seriesMarks{}, false, err
	}
	line.Color = col
	line.Width = lineWidth
	points.GlyphStyle = draw.GlyphStyle{Color: col, Shape: seriesGlyph(i), Radius: markerRadius}
	m := seriesMarks{line: line, points: points}
	if len(bars.XYs) > 0 {
		eb, err := plotter.NewYErrorBars(bars)
		if err != nil {
			return seriesMarks{}, false, err
		}
		eb.LineStyle.Color = col
		eb.LineStyle.Width = lineWidth
		eb.CapWidth = vg.Points(4)
		m.bars = eb
	}
	return m, true, nil
}

// addLines draws a line plot: first the series' lines, then the
// reference curves over them, then the error bars and markers over
// everything, so that no curve hides a point. A series with a reference
// curve of its own (each series has one) has no line: the reference is
// the line its points follow, and a line of the series would hide it.
func (f *canvasFigure) addLines(fig *Figure, keepX, keepY func(float64) bool) error {
	legend := len(fig.Series) > 1 || len(fig.Reference) > 0
	// A design's points are in no order along X: no line through them.
	joined := !fig.Scatter && len(fig.Reference) != len(fig.Series)
	marks := make([]seriesMarks, len(fig.Series))
	kept := make([]bool, len(fig.Series))
	for i, s := range fig.Series {
		var err error
		if marks[i], kept[i], err = newSeriesMarks(s, i, keepX, keepY); err != nil {
			return err
		}
		if kept[i] && joined {
			f.add(roleLine, marks[i].line)
			f.hide.lines = append(f.hide.lines, xyPoints(marks[i].line.XYs))
		}
	}

	type entry struct {
		name   string
		thumbs []plot.Thumbnailer
	}
	var refEntries []entry
	var rings []plot.Plotter // a scatter's references, drawn after its markers
	for i, r := range fig.Reference {
		col := color.NRGBA{0, 0, 0, 0xff}
		if len(fig.Reference) > 1 {
			col = darker(seriesColor(i))
		}
		var pts plotter.XYs
		for j := range r.X {
			if j < len(r.Y) && keepX(r.X[j]) && keepY(r.Y[j]) {
				pts = append(pts, plotter.XY{X: r.X[j], Y: r.Y[j]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		if fig.Scatter {
			// The reference at each point: rings around its estimate,
			// drawn after the markers below.
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: col, Shape: draw.RingGlyph{}, Radius: vg.Points(4.5)}
			refEntries = append(refEntries, entry{r.Label, []plot.Thumbnailer{sc}})
			rings = append(rings, sc)
			f.hide.points = append(f.hide.points, xyPoints(pts)...)
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		line.LineStyle = draw.LineStyle{Color: col, Width: referenceWidth, Dashes: referenceDashes}
		f.add(roleReference, line)
		f.hide.lines = append(f.hide.lines, xyPoints(pts))
		refEntries = append(refEntries, entry{r.Label, []plot.Thumbnailer{line}})
	}

	for i, m := range marks {
		if !kept[i] {
			continue
		}
		var thumbs []plot.Thumbnailer
		if joined {
			thumbs = append(thumbs, m.line)
		}
		if m.bars != nil {
			thumbs = append(thumbs, errorThumb{m.bars.LineStyle})
		}
		thumbs = append(thumbs, m.points)
		if m.bars != nil {
			f.add(roleErrorBars, m.bars)
			for j, xy := range m.bars.XYs {
				e := m.bars.YErrors[j]
				f.hide.bars = append(f.hide.bars, [2]point{{xy.X, xy.Y - e.Low}, {xy.X, xy.Y + e.High}})
			}
		}
		f.add(roleMarkers, m.points)
		f.hide.points = append(f.hide.points, xyPoints(m.points.XYs)...)
		if legend {
			name := fig.Series[i].Label
			if name == "" {
				name = unlabelled
			}
			f.addEntry(name, thumbs...)
		}
	}
	f.add(roleReference, rings...)
	for _, e := range refEntries {
		f.addEntry(e.name, e.thumbs...)
	}
	f.hasLegend = legend
	return nil
}

func xyPoints(xys plotter.XYs) []point {
	out := make([]point, len(xys))
	for i, xy := range xys {
		out[i] = point{xy.X, xy.Y}
	}
	return out
}

// errorThumb is the legend's thumbnail of error bars: a vertical bar
// with caps, under the series' marker.
type errorThumb struct{ draw.LineStyle }

func (e errorThumb) Thumbnail(c *draw.Canvas) {
	x := c.Center().X
	y0, y1 := c.Min.Y+vg.Points(1), c.Max.Y-vg.Points(1)
	const halfCap = vg.Length(2)
	c.StrokeLine2(e.LineStyle, x, y0, x, y1)
	c.StrokeLine2(e.LineStyle, x-halfCap, y0, x+halfCap, y0)
	c.StrokeLine2(e.LineStyle, x-halfCap, y1, x+halfCap, y1)
}

// hline is a horizontal line across the axes at Y.
type hline struct {
	Y float64
	draw.LineStyle
}

func (h hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, ty := p.Transforms(&c)
	y := ty(h.Y)
	if c.ContainsY(y) {
		c.StrokeLine2(h.LineStyle, c.Min.X, y, c.Max.X, y)
	}
}

// vline is a vertical line across the axes at X, such as a histogram's
// exact value; its data range is X alone.
type vline struct {
	X float64
	draw.LineStyle
}

func (v vline) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	x := tx(v.X)
	if c.ContainsX(x) {
		c.StrokeLine2(v.LineStyle, x, c.Min.Y, x, c.Max.Y)
	}
}

func (v vline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return v.X, v.X, math.Inf(1), math.Inf(-1)
}

func (v vline) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(v.LineStyle, c.Min.X, y, c.Max.X, y)
}

// newResiduals returns the residual panel of a line plot: each series'
// residuals as its markers, with a line at 0 and dashed ones at ±2,
// the Y range symmetric about 0 and at least ±3. The caller sets its X
// axis to the main plot's.
func newResiduals(fig *Figure, keepX func(float64) bool) (*plot.Plot, []string, error) {
	p := newStyledPlot()
	p.Y.Label.Text = residualLabel
	p.Y.Label.TextStyle.Font.Size = tickFontSize
	p.Y.Tick.Marker = linearTicks{max: 5}
	var roles []string
	grey := color.Gray{0x80}
	p.Add(hline{Y: 0, LineStyle: draw.LineStyle{Color: grey, Width: vg.Points(0.8)}})
	for _, y := range []float64{-2, 2} {
		p.Add(hline{Y: y, LineStyle: draw.LineStyle{Color: grey, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}})
	}
	roles = append(roles, roleZero, roleTwoSigma, roleTwoSigma)
	biggest := 3.0
	for i, r := range fig.Residuals {
		var pts plotter.XYs
		for j := range r.X {
			if j < len(r.Y) && keepX(r.X[j]) && fmath.IsFinite(r.Y[j]) {
				pts = append(pts, plotter.XY{X: r.X[j], Y: r.Y[j]})
				biggest = math.Max(biggest, math.Abs(r.Y[j]))
			}
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return nil, nil, err
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: seriesColor(i), Shape: seriesGlyph(i), Radius: markerRadius}
		p.Add(sc)
		roles = append(roles, roleResiduals)
	}
	m := biggest * (1 + margin)
	p.Y.Min, p.Y.Max = -m, m
	return p, roles, nil
}
