package figure

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/simrun/simrun/sim/fmath"
)

// The size of a rendered figure, and the resolution of a PNG: 16 cm × 10 cm
// at 150 dpi is 945 × 591 pixels.
const (
	Width  = 16 * vg.Centimeter
	Height = 10 * vg.Centimeter
	DPI    = 150
)

// Render draws fig in format "png" or "svg" and writes it to w.
//
// A line plot draws each series as a line with markers in its own colour,
// with 95% confidence-interval error bars where Lo and Hi are finite, and
// each reference curve dashed in its series' colour (black when there is
// one series). A histogram plot draws each histogram with the same bin
// edges (Spec.Bins of them, or by Sturges' rule on the largest histogram),
// semi-transparent so that several overlap visibly. A map draws each point
// as a filled marker, a shape per series, coloured by its value (viridis,
// from the smallest value drawn to the largest), with a colour bar at the
// right. A scatter (X designed) draws no lines. There is a legend when
// there is more than one series or histogram, or a reference.
//
// Non-finite values are left out, and so are non-positive ones on a log
// axis (LogX, LogY). The output depends only on fig and format: SVG is
// identical everywhere, PNG on one machine.
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
	p, legend, bar, err := newPlot(fig)
	if err != nil {
		return fmt.Errorf("figure: render plot %s: %w", fig.Spec.Name, err)
	}
	var wt io.WriterTo
	switch format {
	case "png":
		c := vgimg.NewWith(vgimg.UseWH(Width, Height), vgimg.UseDPI(DPI))
		drawPlot(p, legend, bar, draw.New(c))
		wt = vgimg.PngCanvas{Canvas: c}
	case "svg":
		c := vgsvg.New(Width, Height)
		drawPlot(p, legend, bar, draw.New(c))
		wt = c
	}
	if _, err := wt.WriteTo(w); err != nil {
		return fmt.Errorf("figure: render plot %s: %w", fig.Spec.Name, err)
	}
	return nil
}

// drawPlot draws p on c with a margin, and its legend, if any, to the right
// of the data, where it hides nothing; a map's colour bar, if any, at the
// right edge.
func drawPlot(p *plot.Plot, legend bool, bar *plot.Plot, c draw.Canvas) {
	const margin = 3 * vg.Millimeter
	c = draw.Crop(c, margin, -margin, margin, -margin)
	if bar != nil {
		const width = 2.2 * vg.Centimeter
		// The bar's strip, its height the data's: below the title.
		strip := draw.Crop(c, c.Max.X-c.Min.X-width, 0, 0, -p.Title.TextStyle.Height(p.Title.Text)-p.Title.Padding)
		bar.Draw(strip)
		c = draw.Crop(c, 0, -width-margin, 0, 0)
	}
	if legend {
		r := p.Legend.Rectangle(c)
		w := r.Max.X - r.Min.X + margin
		p.Legend.XOffs = w
		c = draw.Crop(c, 0, -w, 0, 0)
	}
	p.Draw(c)
}

// newPlot returns the plot of fig, whether it has a legend, and a map's
// colour bar (nil for other kinds).
func newPlot(fig *Figure) (*plot.Plot, bool, *plot.Plot, error) {
	spec := fig.Spec
	p := plot.New()
	p.Title.Text = spec.Title
	p.X.Label.Text = spec.XLabel
	p.Y.Label.Text = spec.YLabel
	p.Legend.Top = true
	p.X.Tick.Marker = distinctTicks{plot.DefaultTicks{}}
	p.Y.Tick.Marker = distinctTicks{plot.DefaultTicks{}}
	if spec.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if spec.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	keepX := func(x float64) bool { return fmath.IsFinite(x) && (!spec.LogX || x > 0) }
	keepY := func(y float64) bool { return fmath.IsFinite(y) && (!spec.LogY || y > 0) }

	var legend bool
	var bar *plot.Plot
	var err error
	switch {
	case len(fig.Hist) > 0:
		legend, err = addHistograms(p, fig, keepX)
	case fig.Spec.Kind == KindMap:
		legend, bar, err = addMap(p, fig, keepX, keepY)
	default:
		legend, err = addLines(p, fig, keepX, keepY)
	}
	if err != nil {
		return nil, false, nil, err
	}
	// A log axis cannot show an empty or single-valued range, which
	// gonum/plot would widen by ±1, possibly to 0.
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		if _, ok := a.Scale.(plot.LogScale); !ok {
			continue
		}
		switch {
		case a.Min > a.Max: // no data
			a.Min, a.Max = 1, 10
		case a.Min == a.Max:
			a.Min, a.Max = a.Min/2, a.Max*2
		}
	}
	return p, legend, bar, nil
}

// xyErrors is the data of plotter.YErrorBars.
type xyErrors struct {
	plotter.XYs
	plotter.YErrors
}

func (e xyErrors) Len() int { return len(e.XYs) }

func addLines(p *plot.Plot, fig *Figure, keepX, keepY func(float64) bool) (legend bool, err error) {
	legend = len(fig.Series) > 1 || len(fig.Reference) > 0
	for i, s := range fig.Series {
		col := plotutil.Color(i)
		var pts plotter.XYs
		var bars xyErrors
		for j := range s.X {
			x, y := s.X[j], s.Y[j]
			if !keepX(x) || !keepY(y) {
				continue
			}
			pts = append(pts, plotter.XY{X: x, Y: y})
			lo, hi := s.Lo[j], s.Hi[j]
			if keepY(lo) && fmath.IsFinite(hi) && lo <= y && y <= hi {
				bars.XYs = append(bars.XYs, plotter.XY{X: x, Y: y})
				bars.YErrors = append(bars.YErrors, struct{ Low, High float64 }{y - lo, hi - y})
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return false, err
		}
		line.Color = col
		points.Color = col
		points.Shape = plotutil.Shape(i)
		var thumbs []plot.Thumbnailer
		if fig.Scatter {
			// A design's points, in no order along X: no line through them.
			p.Add(points)
			thumbs = []plot.Thumbnailer{points}
		} else {
			p.Add(line, points)
			thumbs = []plot.Thumbnailer{line, points}
		}
		if len(bars.XYs) > 0 {
			eb, err := plotter.NewYErrorBars(bars)
			if err != nil {
				return false, err
			}
			eb.LineStyle.Color = col
			p.Add(eb)
		}
		if legend {
			name := s.Label
			if name == "" {
				name = fig.Spec.Y
			}
			p.Legend.Add(name, thumbs...)
		}
	}
	for i, r := range fig.Reference {
		var col color.Color = color.Black
		if len(fig.Reference) > 1 {
			col = plotutil.Color(i)
		}
		var pts plotter.XYs
		for j := range r.X {
			if keepX(r.X[j]) && keepY(r.Y[j]) {
				pts = append(pts, plotter.XY{X: r.X[j], Y: r.Y[j]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		if fig.Scatter {
			// The reference at each point: rings around its estimate.
			marks, err := plotter.NewScatter(pts)
			if err != nil {
				return false, err
			}
			marks.Color = col
			marks.Shape = draw.RingGlyph{}
			marks.Radius = vg.Points(4)
			p.Add(marks)
			p.Legend.Add(r.Label, marks)
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return false, err
		}
		line.Color = col
		line.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		p.Add(line)
		p.Legend.Add(r.Label, line)
	}
	return legend, nil
}

func addHistograms(p *plot.Plot, fig *Figure, keepX func(float64) bool) (legend bool, err error) {
	// Common bin edges over every histogram's kept values.
	lo, hi := math.Inf(1), math.Inf(-1)
	largest := 0
	kept := make([][]float64, len(fig.Hist))
	for i, h := range fig.Hist {
		for _, v := range h.Values {
			if keepX(v) {
				kept[i] = append(kept[i], v)
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
		largest = max(largest, len(kept[i]))
	}
	if largest == 0 {
		return false, nil
	}
	nbins := fig.Spec.Bins
	if nbins <= 0 {
		nbins = int(math.Ceil(math.Log2(float64(largest)))) + 1 // Sturges
	}
	log := fig.Spec.LogX
	if lo == hi {
		nbins = 1
		if log {
			lo, hi = lo/1.1, hi*1.1
		} else {
			d := math.Abs(lo) * 0.05
			if d == 0 {
				d = 0.5
			}
			lo, hi = lo-d, hi+d
		}
	}
	edge := func(i int) float64 {
		switch {
		case i == 0:
			return lo
		case i == nbins:
			return hi
		case log:
			return math.Exp(math.Log(lo) + float64(i)/float64(nbins)*(math.Log(hi)-math.Log(lo)))
		}
		return lo + float64(i)/float64(nbins)*(hi-lo)
	}
	edges := make([]float64, nbins+1)
	for i := range edges {
		edges[i] = edge(i)
	}

	legend = len(fig.Hist) > 1
	alpha := uint8(0xb0)
	if len(fig.Hist) > 1 {
		alpha = 0x70
	}
	for i, h := range fig.Hist {
		bins := make([]plotter.HistogramBin, nbins)
		for b := range bins {
			bins[b].Min, bins[b].Max = edges[b], edges[b+1]
		}
		for _, v := range kept[i] {
			// The last bin whose lower edge is at most v.
			b := searchEdges(edges[:nbins], v)
			bins[b].Weight++
		}
		fill := color.NRGBAModel.Convert(plotutil.Color(i)).(color.NRGBA)
		fill.A = alpha
		hist := &plotter.Histogram{
			Bins:      bins,
			Width:     (hi - lo) / float64(nbins),
			FillColor: fill,
			LineStyle: plotter.DefaultLineStyle,
			LogY:      fig.Spec.LogY,
		}
		hist.LineStyle.Color = plotutil.Color(i)
		p.Add(hist)
		if legend {
			p.Legend.Add(h.Label, hist)
		}
	}
	return legend, nil
}

// searchEdges returns the index of the last of the ascending lower edges
// that is at most v (0 if none is).
func searchEdges(lower []float64, v float64) int {
	i, j := 0, len(lower)
	for i < j {
		m := int(uint(i+j) >> 1)
		if lower[m] <= v {
			i = m + 1
		} else {
			j = m
		}
	}
	return max(i-1, 0)
}

// distinctTicks labels the ticks of an inner Ticker with the fewest
// significant digits that tell the labels apart: gonum's default labels a
// narrow range such as 3.1410–3.1422 as "3.14" three times.
type distinctTicks struct{ inner plot.Ticker }

func (d distinctTicks) Ticks(min, max float64) []plot.Tick {
	ticks := d.inner.Ticks(min, max)
	for prec := 3; prec <= 17; prec++ {
		seen := make(map[string]bool)
		ok := true
		for _, t := range ticks {
			if t.Label == "" {
				continue
			}
			l := strconv.FormatFloat(t.Value, 'g', prec, 64)
			if seen[l] {
				ok = false
				break
			}
			seen[l] = true
		}
		if ok {
			for i, t := range ticks {
				if t.Label != "" {
					ticks[i].Label = strconv.FormatFloat(t.Value, 'g', prec, 64)
				}
			}
			return ticks
		}
	}
	return ticks
}

// addMap draws each series of a map as markers of its own shape, each
// coloured by its value (viridis, over the smallest to the largest value
// drawn), and returns the colour bar. Points whose value is not finite are
// left out.
func addMap(p *plot.Plot, fig *Figure, keepX, keepY func(float64) bool) (legend bool, bar *plot.Plot, err error) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range fig.Map {
		for j := range s.X {
			if keepX(s.X[j]) && keepY(s.Y[j]) && fmath.IsFinite(s.Z[j]) {
				lo, hi = math.Min(lo, s.Z[j]), math.Max(hi, s.Z[j])
			}
		}
	}
	if lo > hi {
		return false, nil, nil // nothing to draw
	}
	cm := &viridis{min: lo, max: hi}
	if lo == hi {
		cm.min, cm.max = lo-0.5, hi+0.5 // a bar needs a range
	}
	legend = len(fig.Map) > 1
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
			return false, nil, err
		}
		// Filled markers, whose colour shows; a shape per series.
		shape := [...]draw.GlyphDrawer{draw.CircleGlyph{}, draw.BoxGlyph{}, draw.PyramidGlyph{}}[i%3]
		sc.GlyphStyle = draw.GlyphStyle{Color: color.Gray{0x80}, Shape: shape, Radius: vg.Points(3.5)} // the legend's
		sc.GlyphStyleFunc = func(k int) draw.GlyphStyle {
			c, _ := cm.At(zs[k])
			return draw.GlyphStyle{Color: c, Shape: shape, Radius: vg.Points(3.5)}
		}
		p.Add(sc)
		if legend {
			p.Legend.Add(s.Label, sc)
		}
	}
	bar = plot.New()
	bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	bar.HideX()
	bar.Y.Padding = 0
	bar.Y.Label.Text = fig.Spec.Y
	if fig.Spec.Stat != StatMean {
		bar.Y.Label.Text = fig.Spec.Stat + " of " + fig.Spec.Y
	}
	bar.Y.Tick.Marker = distinctTicks{plot.DefaultTicks{}}
	return legend, bar, nil
}
