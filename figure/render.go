package figure

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
)

// The size of a rendered figure, and the resolution of a PNG: 16 cm × 10 cm
// at 150 dpi is 945 × 591 pixels.
const (
	Width  = 16 * vg.Centimeter
	Height = 10 * vg.Centimeter
	DPI    = 150
)

// residualShare is the fraction of the figure's height the residual
// panel takes, under the plot.
const residualShare = 0.3

// Render draws fig in format "png" or "svg" and writes it to w, in the
// style of matplotlib's defaults: the data in a box whose range is the
// data's widened by 5% at either end (in log space on a log axis), so that
// no point sits on the box; tab10 colours; on a linear axis, labelled
// ticks at a 1-2-5 step, as many as fit (at most 8), and minor ticks
// between them; on a log axis, every power of ten labelled, minor ticks
// at 2..9 times each, and 1-2-5 (or every) n × 10^k labelled on a range
// of less than two decades (see linearTicks and logTicks).
//
// A line plot draws each series as filled markers of its own colour and
// shape, with 95% confidence-interval error bars where Lo and Hi are
// finite, joined by a line unless the plot is a scatter (X designed) or
// each series has its own reference curve, which is then the line its
// points follow. The reference curves are dashed and 1.6 times as wide as
// the data's lines: black for a reference shared by every series, a
// darker shade of its series' colour for each series' own (a scatter's
// reference is a ring around each estimate). The layers keep both
// visible: the series' lines at the bottom, the reference curves over
// them, the error bars and markers on top. With Spec.Residuals and
// fig.Residuals, a panel under the plot (the bottom 30%, sharing its X
// range and ticks, and taking its X tick labels and label) shows each
// series' residuals as its markers, with a line at 0 and dashed lines at
// ±2.
//
// A histogram plot draws each histogram with the same bin edges
// (Spec.Bins of them, or by Sturges' rule on the largest histogram),
// semi-transparent so that several overlap visibly, its counts from 0;
// over them, for each histogram with a finite Mean and a positive SD,
// the normal density N(Mean, SD) scaled to its counts (count × bin width
// × density, 200 points, in a darker shade of its colour), and for a
// finite Exact a black dashed vertical line labelled ExactLabel ("exact"
// if empty; one line per histogram, in its colour, when they differ). A
// map draws each point as a filled marker, a shape per series, coloured
// by its value (viridis, from the smallest value drawn to the largest),
// with a colour bar at the right.
//
// There is a legend when there is more than one series or histogram, a
// reference, an exact value or a normal curve; an unlabelled series is
// "Monte Carlo". It goes inside the axes, framed, on translucent white,
// in the corner where it hides the fewest markers, error bars, lines,
// bins and vertical lines (the first of upper right, upper left, lower
// left, lower right on a tie, as matplotlib's loc="best"), and outside to
// the right of the plot when every corner would hide more than one, or
// it does not fit. Characters the font lacks (⟨ ⟩, ∝, ℏ) are drawn as
// look-alikes it has (‹ ›, ~, ħ).
//
// Non-finite values are left out, and so are non-positive ones on a log
// axis (LogX, LogY). The output depends only on fig and format: the same
// bytes on every machine of one architecture (see the package doc).
func Render(w io.Writer, fig *Figure, format string) (err error) {
	defer func() {
		// gonum/plot panics on some data (a log axis that reaches 0); the
		// filtering below is meant to prevent it, and this is the net.
		if r := recover(); r != nil {
			err = fmt.Errorf("figure: render plot %s: %v", fig.Spec.Name, r)
		}
	}()
	if format != "png" && format != "svg" {
		return fmt.Errorf("figure: render plot %s: unknown format %q, want \"png\" or \"svg\"", fig.Spec.Name, format)
	}
	f, err := newCanvasFigure(fig)
	if err != nil {
		return fmt.Errorf("figure: render plot %s: %w", fig.Spec.Name, err)
	}
	var wt io.WriterTo
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI))
		f.draw(draw.New(c))
		wt = vgimg.PngCanvas{Canvas: c}
	case "svg":
		c := vgsvg.New(Width, Height)
		f.draw(draw.New(c))
		wt = svgFallbackFonts{c}
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("figure: render plot %s: %w", fig.Spec.Name, err)
	}
	return nil
}

// The roles of the plotters of a figure, in canvasFigure.roles.
const (
	roleLine      = "line"
	roleReference = "reference"
	roleErrorBars = "error bars"
	roleMarkers   = "markers"
	roleHistogram = "histogram"
	roleNormal    = "normal"
	roleExact     = "exact"
	roleMap       = "map"
	roleZero      = "zero"
	roleTwoSigma  = "±2"
	roleResiduals = "residuals"
)

// canvasFigure is a Figure ready to draw: its plots, its legend, and what
// a legend inside the axes would hide.
type canvasFigure struct {
	main     *plot.Plot
	plotters []plot.Plotter // main's, in drawing order
	roles    []string       // plotters' roles
	// resid is the residual panel, or nil; residRoles its plotters'
	// roles.
	resid      *plot.Plot
	residRoles []string
	bar        *plot.Plot // a map's colour bar, or nil

	// legend holds the entries; main's own legend stays empty, since
	// draw places this one.
	legend    plot.Legend
	entries   int
	hasLegend bool
	hide      obstacles // in main's data coordinates

	labels, residLabels axisLabels // drawn by draw, not by gonum/plot

	// Set by draw: where the legend went.
	corner corner
}

func (f *canvasFigure) add(role string, ps ...plot.Plotter) {
	for _, p := range ps {
		f.main.Add(p)
		f.plotters = append(f.plotters, p)
		f.roles = append(f.roles, role)
	}
}

func (f *canvasFigure) addEntry(name string, thumbs ...plot.Thumbnailer) {
	f.legend.Add(drawable(name), thumbs...)
	f.entries++
}

// roleIndex returns the indices in roles of the plotters of role.
func (f *canvasFigure) roleIndex(role string) []int {
	var out []int
	for i, r := range f.roles {
		if r == role {
			out = append(out, i)
		}
	}
	return out
}

// newCanvasFigure returns fig's plots with their data and axis ranges.
func newCanvasFigure(fig *Figure) (*canvasFigure, error) {
	spec := fig.Spec
	p := newStyledPlot()
	f := &canvasFigure{main: p, legend: p.Legend, corner: outside}
	p.Title.Text = drawable(spec.Title)
	p.X.Label.Text = drawable(spec.XLabel)
	p.Y.Label.Text = drawable(spec.YLabel)
	p.X.Tick.Marker = linearTicks{}
	p.Y.Tick.Marker = linearTicks{}
	if spec.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	if spec.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	keepX := func(x float64) bool { return fmath.IsFinite(x) && (!spec.LogX || x > 0) }
	keepY := func(y float64) bool { return fmath.IsFinite(y) && (!spec.LogY || y > 0) }

	var err error
	hist := len(fig.Hist) > 0
	switch {
	case hist:
		err = f.addHistograms(fig, keepX, keepY)
	case fig.Spec.Kind == KindMap:
		err = f.addMap(fig, keepX, keepY)
	default:
		err = f.addLines(fig, keepX, keepY)
	}
	if err != nil {
		return nil, err
	}
	// The margins; a histogram's counts start at the axis.
	p.X.Min, p.X.Max = padRange(p.X.Min, p.X.Max, spec.LogX, false)
	p.Y.Min, p.Y.Max = padRange(p.Y.Min, p.Y.Max, spec.LogY, hist)

	if spec.Residuals && len(fig.Residuals) > 0 && !hist && fig.Spec.Kind != KindMap {
		r, roles, err := newResiduals(fig, keepX)
		if err != nil {
			return nil, err
		}
		// The panel takes the plot's X axis; the plot keeps its ticks,
		// which draw adds, unlabelled.
		r.X.Min, r.X.Max, r.X.Scale, r.X.Tick.Marker = p.X.Min, p.X.Max, p.X.Scale, p.X.Tick.Marker
		r.X.Label.Text = p.X.Label.Text
		p.X.Label.Text = ""
		p.HideX()
		f.resid, f.residRoles = r, roles
		f.residLabels = takeLabels(r)
	}
	f.labels = takeLabels(p)
	return f, nil
}

// draw lays the figure out on c and draws it: a margin around it, a
// map's colour bar at the right, the residual panel under the plot with
// their data canvases aligned, and the legend in the best corner of the
// plot's axes or, failing one, to the right of the plot.
func (f *canvasFigure) draw(c draw.Canvas) {
	const pageMargin = 3 * vg.Millimeter
	c.SetColor(color.White)
	c.Fill(c.Rectangle.Path())
	c = draw.Crop(c, pageMargin, -pageMargin, pageMargin, -pageMargin)
	p := f.main
	if f.bar != nil {
		const width = 1.9 * vg.Centimeter
		// The bar's strip, its height the data's: below the title.
		var title vg.Length
		if p.Title.Text != "" {
			title = p.Title.TextStyle.Height(p.Title.Text) + p.Title.Padding
		}
		strip := draw.Crop(c, c.Max.X-c.Min.X-width, 0, 0, -title)
		f.bar.Draw(strip)
		c = draw.Crop(c, 0, -width-pageMargin, 0, 0)
	}

	top, bottom := f.split(c)
	da := p.DataCanvas(top)
	xaxis := &p.X // the axis with the X tick labels
	if f.resid != nil {
		xaxis = &f.resid.X
	}
	if fy, fx := fitTicks(&p.Y, da.Max.Y-da.Min.Y), fitXTicks(xaxis, da.Max.X-da.Min.X); fy || fx {
		top, bottom = f.split(c)
		da = p.DataCanvas(top)
	}
	var box vg.Rectangle
	if f.hasLegend && f.entries > 0 {
		sz := legendSize(&f.legend)
		f.corner, _ = bestCorner(p, da, &f.hide, sz)
		if f.corner == outside {
			c = draw.Crop(c, 0, -(sz.X + legendGap), 0, 0)
			top, bottom = f.split(c)
			da = p.DataCanvas(top)
			box.Min = vg.Point{X: c.Max.X + legendGap, Y: da.Max.Y - sz.Y}
			box.Max = vg.Point{X: box.Min.X + sz.X, Y: da.Max.Y}
		} else {
			box = cornerBox(da.Rectangle, sz, f.corner)
		}
	}

	p.Draw(top)
	drawFrame(top, da.Rectangle)
	f.labels.draw(c, top.Rectangle, da.Rectangle)
	if f.resid != nil {
		f.resid.Draw(bottom)
		db := f.resid.DataCanvas(bottom)
		drawFrame(bottom, db.Rectangle)
		f.residLabels.draw(c, bottom.Rectangle, db.Rectangle)
		// The plot's X ticks, unlabelled, as the panel's.
		a := f.resid.X
		for _, t := range a.Tick.Marker.Ticks(a.Min, a.Max) {
			x := da.X(a.Norm(t.Value))
			if !da.ContainsX(x) {
				continue
			}
			l := a.Tick.Length
			if t.IsMinor() {
				l /= 2
			}
			top.StrokeLine2(a.Tick.LineStyle, x, da.Min.Y, x, da.Min.Y-l)
		}
	}
	if f.hasLegend && f.entries > 0 {
		drawLegend(c, &f.legend, box)
	}
}

// fitTicks gives a linear vertical axis of the given length at most a
// labelled tick per 2.2 tick-label heights (matplotlib's rule is 2), and
// reports whether that changed its ticker.
func fitTicks(a *plot.Axis, length vg.Length) bool {
	t, ok := a.Tick.Marker.(linearTicks)
	if !ok {
		return false
	}
	most := min(max(int(length/(2.2*a.Tick.Label.Font.Size)), 3), defaultMaxTicks)
	if t.max == most || (t.max == 0 && most == defaultMaxTicks) {
		return false
	}
	a.Tick.Marker = linearTicks{max: most}
	return true
}

// fitXTicks gives a linear horizontal axis of the given length the most
// labelled ticks, up to defaultMaxTicks, whose labels fit with an em and
// a half between them, and reports whether that changed its ticker.
func fitXTicks(a *plot.Axis, length vg.Length) bool {
	t, ok := a.Tick.Marker.(linearTicks)
	if !ok {
		return false
	}
	most := 3
	for n := defaultMaxTicks; n > 3; n-- {
		var widest vg.Length
		labels := 0
		for _, tk := range (linearTicks{max: n}).Ticks(a.Min, a.Max) {
			if tk.Label != "" {
				widest = max(widest, a.Tick.Label.Width(tk.Label))
				labels++
			}
		}
		if vg.Length(labels)*(widest+1.5*a.Tick.Label.Font.Size) <= length {
			most = n
			break
		}
	}
	if t.max == most || (t.max == 0 && most == defaultMaxTicks) {
		return false
	}
	a.Tick.Marker = linearTicks{max: most}
	return true
}

// split returns the canvases of the plot and of the residual panel, less
// the room for their axis labels, so that their data canvases have the
// same horizontal extent; without a panel, the plot's and an empty one.
func (f *canvasFigure) split(c draw.Canvas) (top, bottom draw.Canvas) {
	if f.resid == nil {
		return f.labels.inner(c), draw.Canvas{}
	}
	h := c.Max.Y - c.Min.Y
	// Room under the plot for its ticks.
	gap := f.resid.X.Tick.Length + vg.Points(4)
	top = f.labels.inner(draw.Crop(c, 0, 0, h*residualShare+gap, 0))
	bottom = f.residLabels.inner(draw.Crop(c, 0, 0, 0, -h*(1-residualShare)))
	for range 3 {
		dt, db := f.main.DataCanvas(top), f.resid.DataCanvas(bottom)
		l, r := max(dt.Min.X, db.Min.X), min(dt.Max.X, db.Max.X)
		if math.Abs(float64(dt.Min.X-db.Min.X)) < 0.01 && math.Abs(float64(dt.Max.X-db.Max.X)) < 0.01 {
			break
		}
		top = draw.Crop(top, l-dt.Min.X, r-dt.Max.X, 0, 0)
		bottom = draw.Crop(bottom, l-db.Min.X, r-db.Max.X, 0, 0)
	}
	return top, bottom
}

// axisLabels are a plot's axis labels, which draw places itself:
// gonum/plot centres a label's glyph box at the arithmetic middle of the
// axis range, which on a log axis is near its end, and shrinks the data
// canvas to fit it there.
type axisLabels struct {
	x, y       string
	xsty, ysty text.Style
	xpad, ypad vg.Length
}

// takeLabels returns p's axis labels and removes them from p.
func takeLabels(p *plot.Plot) axisLabels {
	l := axisLabels{
		x: p.X.Label.Text, y: p.Y.Label.Text,
		xsty: p.X.Label.TextStyle, ysty: p.Y.Label.TextStyle,
		xpad: p.X.Label.Padding, ypad: p.Y.Label.Padding,
	}
	p.X.Label.Text, p.Y.Label.Text = "", ""
	return l
}

// inner returns c less the room for the labels, at its left and bottom.
func (l axisLabels) inner(c draw.Canvas) draw.Canvas {
	var left, bottom vg.Length
	if l.y != "" {
		left = l.ysty.Height(l.y) + l.ysty.FontExtents().Descent + l.ypad
	}
	if l.x != "" {
		bottom = l.xsty.Height(l.x) + l.xpad
	}
	return draw.Crop(c, left, 0, bottom, 0)
}

// draw draws the labels outside inner, the plot's canvas less their room
// (as inner returns it), centred on the data canvas da.
func (l axisLabels) draw(c draw.Canvas, inner, da vg.Rectangle) {
	if l.x != "" {
		d := l.xsty.FontExtents().Descent
		y := inner.Min.Y - l.xpad - l.xsty.Height(l.x) + d
		c.FillText(l.xsty, vg.Point{X: (da.Min.X + da.Max.X) / 2, Y: y}, l.x)
	}
	if l.y != "" {
		d := l.ysty.FontExtents().Descent
		sty := l.ysty
		sty.Rotation += math.Pi / 2
		x := inner.Min.X - l.ypad - 2*d
		c.FillText(sty, vg.Point{X: x, Y: (da.Min.Y + da.Max.Y) / 2}, l.y)
	}
}

// addMap draws each series of a map as markers of its own shape, each
// coloured by its value (viridis, over the smallest to the largest value
// drawn), and sets the colour bar. Points whose value is not finite are
// left out.
func (f *canvasFigure) addMap(fig *Figure, keepX, keepY func(float64) bool) error {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range fig.Map {
		for j := range s.X {
			if keepX(s.X[j]) && keepY(s.Y[j]) && fmath.IsFinite(s.Z[j]) {
				lo, hi = math.Min(lo, s.Z[j]), math.Max(hi, s.Z[j])
			}
		}
	}
	if lo > hi {
		return nil // nothing to draw
	}
	cm := &viridis{min: lo, max: hi}
	if lo == hi {
		cm.min, cm.max = lo-0.5, hi+0.5 // a bar needs a range
	}
	f.hasLegend = len(fig.Map) > 1
	for i, s := range fig.Map {
		var pts plotter.XYs
		var zs []float64
		for j := range s.X {
			if keepX(s.X[j]) && keepY(s.Y[j]) && fmath.IsFinite(s.Z[j]) {
				pts = append(pts, plotter.XY{X: s.X[j], Y: s.Y[j]})
				zs = append(zs, s.Z[j])
			}
		}
		if len(pts) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		// Filled markers, whose colour shows; a shape per series.
		shape := [...]draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}}[i%3]
		sc.GlyphStyle = draw.GlyphStyle{Color: color.Gray{0x80}, Shape: shape, Radius: vg.Points(3.5)} // the legend's
		sc.GlyphStyleFunc = func(k int) draw.GlyphStyle {
			c, _ := cm.At(zs[k])
			return draw.GlyphStyle{Color: c, Shape: shape, Radius: vg.Points(3.5)}
		}
		f.add(roleMap, sc)
		f.hide.points = append(f.hide.points, xyPoints(pts)...)
		f.addEntry(s.Label, sc)
	}
	bar := newStyledPlot()
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	bar.HideX()
	label := fig.ZLabel
	if label == "" { // a Figure made by hand
		label = sim.StatLabel(fig.Spec.Stat, fig.Spec.Y)
	}
	bar.Y.Label.Text = drawable(label)
	bar.Y.Tick.Marker = linearTicks{}
	f.bar = bar
	return nil
}

// svgFallbackFonts writes an SVG whose text names, after gonum/plot's
// Liberation Serif, the fonts a browser without it should use: Times New
// Roman, with which Liberation Serif shares every glyph's width, so that
// legends and labels laid out for one fit in the other, and then any
// serif. Without them a browser falls back to its default sans-serif,
// wider, and labels overflow their legend's frame.
type svgFallbackFonts struct{ c *vgsvg.Canvas }

func (s svgFallbackFonts) WriteTo(w io.Writer) (int64, error) {
	var b bytes.Buffer
	if _, err := s.c.WriteTo(&b); err != nil {
		return 0, err
	}
	out := bytes.ReplaceAll(b.Bytes(), []byte("font-family:Liberation Serif;"), []byte("font-family:'Liberation Serif','Times New Roman',Times,serif;"))
	n, err := w.Write(out)
	return int64(n), err
}
