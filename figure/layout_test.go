package figure

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/simrun/simrun/sim"
)

// lineFigure returns a line plot of the series with points (x, y(x)) at
// the xs, each with a small error bar, labelled s0, s1, ...
func lineFigure(xs []float64, ys ...func(x float64) float64) *Figure {
	fig := &Figure{Spec: sim.PlotSpec{Name: "t", X: "x", Y: "y"}.WithDefaults()}
	for i, y := range ys {
		s := Series{Label: fmt.Sprintf("s%d", i)}
		for _, x := range xs {
			s.X, s.Y = append(s.X, x), append(s.Y, y(x))
			s.Lo, s.Hi = append(s.Lo, y(x)-0.01), append(s.Hi, y(x)+0.01)
		}
		fig.Series = append(fig.Series, s)
	}
	return fig
}

func linspace(lo, hi float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*float64(i)/float64(n-1)
	}
	return out
}

// layout builds and lays out fig on an SVG canvas of the figures' size,
// and returns it with the canvas's SVG.
func layout(t *testing.T, fig *Figure) (*canvasFigure, string) {
	t.Helper()
	f, err := newCanvasFigure(fig)
	if err != nil {
		t.Fatal(err)
	}
	c := vgsvg.New(Width, Height)
	f.draw(draw.New(c))
	var b bytes.Buffer
	if _, err := c.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return f, b.String()
}

// TestLegendCorner: the legend goes in the corner the data leave free,
// upper right first, and outside when there is none.
func TestLegendCorner(t *testing.T) {
	xs := linspace(0, 1, 21)
	// Points in the corners of the unit square but one, and a line along
	// the diagonal that leaves two corners free.
	corners := func(skip corner) *Figure {
		fig := &Figure{Spec: sim.PlotSpec{Name: "t", X: "x", Y: "y"}.WithDefaults()}
		at := map[corner][2]float64{upperRight: {1, 1}, upperLeft: {0, 1}, lowerLeft: {0, 0}, lowerRight: {1, 0}}
		for k := upperRight; k < outside; k++ {
			if k == skip {
				continue
			}
			s := Series{Label: "corner " + k.String()}
			for _, d := range linspace(0, 0.15, 4) {
				x, y := math.Abs(at[k][0]-d), math.Abs(at[k][1]-d)
				s.X, s.Y, s.Lo, s.Hi = append(s.X, x), append(s.Y, y), append(s.Lo, y), append(s.Hi, y)
			}
			fig.Series = append(fig.Series, s)
		}
		return fig
	}
	everywhere := &Figure{Spec: sim.PlotSpec{Name: "t", X: "x", Y: "y"}.WithDefaults()}
	for i, y := range linspace(0, 1, 11) {
		s := Series{Label: fmt.Sprintf("y = %g", y)}
		for _, x := range xs {
			s.X, s.Y, s.Lo, s.Hi = append(s.X, x), append(s.Y, y), append(s.Lo, y), append(s.Hi, y)
		}
		if i < 2 {
			everywhere.Series = append(everywhere.Series, s)
		} else {
			everywhere.Series[i%2].X = append(everywhere.Series[i%2].X, s.X...)
			everywhere.Series[i%2].Y = append(everywhere.Series[i%2].Y, s.Y...)
			everywhere.Series[i%2].Lo = append(everywhere.Series[i%2].Lo, s.Lo...)
			everywhere.Series[i%2].Hi = append(everywhere.Series[i%2].Hi, s.Hi...)
		}
	}
	for _, tt := range []struct {
		name string
		fig  *Figure
		want corner
	}{
		{"decreasing", lineFigure(xs, func(x float64) float64 { return 1 - x }, func(x float64) float64 { return 0.9 - x }), upperRight},
		{"increasing", lineFigure(xs, func(x float64) float64 { return x }, func(x float64) float64 { return x - 0.1 }), upperLeft},
		{"free lower left", corners(lowerLeft), lowerLeft},
		{"free lower right", corners(lowerRight), lowerRight},
		{"free upper left", corners(upperLeft), upperLeft},
		{"everywhere", everywhere, outside},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, svg := layout(t, tt.fig)
			if f.corner != tt.want {
				t.Errorf("legend %s, want %s", f.corner, tt.want)
			}
			for _, s := range tt.fig.Series {
				if !strings.Contains(svg, ">"+s.Label+"<") {
					t.Errorf("legend lacks %q", s.Label)
				}
			}
			// The legend's frame is drawn, wherever it is.
			if !strings.Contains(svg, "stroke:#CCCCCC") {
				t.Error("no legend frame")
			}
		})
	}
}

// TestLegendOutsideNarrowsPlot: a legend outside takes room at the right
// of the data; one inside takes none.
func TestLegendOutsideNarrowsPlot(t *testing.T) {
	xs := linspace(0, 1, 21)
	inside, _ := layout(t, lineFigure(xs, func(x float64) float64 { return 1 - x }, func(x float64) float64 { return 0.9 - x }))
	fig := lineFigure(xs, func(x float64) float64 { return 1 - x }, func(x float64) float64 { return 0.9 - x })
	fig.Series[0].Label = strings.Repeat("a very long legend entry ", 4) // wider than a corner allows
	out, _ := layout(t, fig)
	if inside.corner != upperRight || out.corner != outside {
		t.Fatalf("legends %s and %s, want upper right and outside", inside.corner, out.corner)
	}
}

func TestSegmentHits(t *testing.T) {
	r := rect(0, 0, 10, 10)
	for _, tt := range []struct {
		name string
		a, b [2]float64
		want bool
	}{
		{"inside", [2]float64{1, 1}, [2]float64{2, 2}, true},
		{"across", [2]float64{-5, 5}, [2]float64{15, 5}, true},
		{"diagonal through a corner", [2]float64{-1, 1}, [2]float64{1, -1}, true},
		{"above", [2]float64{-5, 11}, [2]float64{15, 11}, false},
		{"passing the corner", [2]float64{-1, 9}, [2]float64{1, 12}, false},
		{"vertical beside", [2]float64{11, -5}, [2]float64{11, 15}, false},
		{"vertical through", [2]float64{5, -5}, [2]float64{5, 15}, true},
	} {
		if got := segmentHits(pt(tt.a), pt(tt.b), r); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestRenderReferenceLayers: the series' lines first, the reference
// curves over them, the error bars and markers on top; a single
// reference is black and dashed, each series' own one a darker shade of
// the series' colour, and series with their own reference have no line.
func TestRenderReferenceLayers(t *testing.T) {
	xs := linspace(1, 3, 11)
	shared := lineFigure(xs, func(x float64) float64 { return x }, func(x float64) float64 { return 2 * x })
	shared.Reference = []Series{{Label: "exact", X: linspace(1, 3, 200), Y: linspace(1.5, 4.5, 200)}}
	own := lineFigure(xs, func(x float64) float64 { return x }, func(x float64) float64 { return 2 * x })
	own.Reference = []Series{
		{Label: "exact (s0)", X: linspace(1, 3, 200), Y: linspace(1, 3, 200)},
		{Label: "exact (s1)", X: linspace(1, 3, 200), Y: linspace(2, 6, 200)},
	}
	for _, tt := range []struct {
		name   string
		fig    *Figure
		roles  []string
		colors []color.Color // of the references
	}{
		{"shared reference", shared,
			[]string{roleLine, roleLine, roleReference, roleErrorBars, roleMarkers, roleErrorBars, roleMarkers},
			[]color.Color{color.NRGBA{0, 0, 0, 0xff}}},
		{"own references", own,
			[]string{roleReference, roleReference, roleErrorBars, roleMarkers, roleErrorBars, roleMarkers},
			[]color.Color{darker(tab10[0]), darker(tab10[1])}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := newCanvasFigure(tt.fig)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.roles, tt.roles) {
				t.Errorf("layers %q, want %q", f.roles, tt.roles)
			}
			var refs []color.Color
			for _, i := range f.roleIndex(roleReference) {
				l := f.plotters[i].(*plotter.Line)
				refs = append(refs, l.Color)
				if len(l.Dashes) == 0 || l.Width <= lineWidth {
					t.Errorf("reference %d: dashes %v, width %v; want dashed and wider than %v", i, l.Dashes, l.Width, lineWidth)
				}
			}
			if !slices.Equal(refs, tt.colors) {
				t.Errorf("reference colours %v, want %v", refs, tt.colors)
			}
		})
	}
}

// TestRenderMargins: the axes reach 5% of the data's range beyond it
// (of its logarithms' on a log axis), so that no point is on the frame.
func TestRenderMargins(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }
	fig := lineFigure(linspace(1.5, 3.5, 21), func(x float64) float64 { return x * x })
	f, err := newCanvasFigure(fig)
	if err != nil {
		t.Fatal(err)
	}
	// The error bars reach 0.01 beyond the values.
	ylo, yhi := 1.5*1.5-0.01, 3.5*3.5+0.01
	if x := f.main.X; !near(x.Min, 1.4) || !near(x.Max, 3.6) {
		t.Errorf("x axis [%v, %v], want [1.4, 3.6]", x.Min, x.Max)
	}
	if y := f.main.Y; !near(y.Min, ylo-0.05*(yhi-ylo)) || !near(y.Max, yhi+0.05*(yhi-ylo)) {
		t.Errorf("y axis [%v, %v], want 5%% beyond [%v, %v]", y.Min, y.Max, ylo, yhi)
	}

	log := lineFigure([]float64{1, 10, 100, 1000}, func(x float64) float64 { return 1 / math.Sqrt(x) })
	log.Spec.LogX, log.Spec.LogY = true, true
	for i := range log.Series[0].Lo {
		log.Series[0].Lo[i], log.Series[0].Hi[i] = math.NaN(), math.NaN()
	}
	if f, err = newCanvasFigure(log); err != nil {
		t.Fatal(err)
	}
	if x := f.main.X; !near(x.Min, math.Pow(10, -0.15)) || !near(x.Max, math.Pow(10, 3.15)) {
		t.Errorf("log x axis [%v, %v], want [10^-0.15, 10^3.15]", x.Min, x.Max)
	}
}

// TestRenderResiduals: with Spec.Residuals, a second plot under the
// first shows the residuals, with their label, lines at 0 and ±2, and the
// X axis's labels; the plot above has no X tick labels of its own.
func TestRenderResiduals(t *testing.T) {
	fig := goldenFigure()
	f, svg := layout(t, fig)
	if f.resid == nil {
		t.Fatal("no residual panel")
	}
	if want := []string{roleZero, roleTwoSigma, roleTwoSigma, roleResiduals, roleResiduals}; !slices.Equal(f.residRoles, want) {
		t.Errorf("panel's layers %q, want %q", f.residRoles, want)
	}
	if f.resid.X.Min != f.main.X.Min || f.resid.X.Max != f.main.X.Max {
		t.Errorf("panel's X axis [%v, %v], the plot's [%v, %v]", f.resid.X.Min, f.resid.X.Max, f.main.X.Min, f.main.X.Max)
	}
	if f.resid.Y.Min > -3 || f.resid.Y.Max < 3 || f.resid.Y.Min != -f.resid.Y.Max {
		t.Errorf("panel's Y axis [%v, %v], want symmetric and at least ±3", f.resid.Y.Min, f.resid.Y.Max)
	}
	for _, tt := range []struct {
		text string
		n    int
	}{
		{fig.Spec.YLabel, 1}, {residualLabel, 1}, {fig.Spec.XLabel, 1}, // one label per axis
		{"100", 1}, // each X tick label once, under the panel
		{"−2", 1}, {"2", 1},
	} {
		if n := strings.Count(svg, ">"+tt.text+"<"); n != tt.n {
			t.Errorf("%d texts %q, want %d", n, tt.text, tt.n)
		}
	}
	// Two boxes around data: the plot's and the panel's.
	if n := strings.Count(svg, `style="fill:none;stroke:#000000;stroke-width:0.8" />`); n < 2 {
		t.Errorf("%d black 0.8 pt paths, want the two frames at least", n)
	}
	_, frames := frameCount(t, svg)
	if frames != 2 {
		t.Errorf("%d frames, want 2", frames)
	}

	// Without the option, or without residuals, there is one plot.
	fig.Spec.Residuals = false
	if f, svg := layout(t, fig); f.resid != nil || strings.Contains(svg, residualLabel) {
		t.Error("a residual panel without Spec.Residuals")
	}
	fig.Spec.Residuals, fig.Residuals = true, nil
	if f, _ := layout(t, fig); f.resid != nil {
		t.Error("a residual panel without residuals")
	}
}

// frameCount returns the number of paths in svg and of closed black
// rectangles among them (the frames around the data).
func frameCount(t *testing.T, svg string) (paths, frames int) {
	t.Helper()
	for _, line := range strings.Split(svg, "\n") {
		if !strings.HasPrefix(line, "<path ") {
			continue
		}
		paths++
		if !strings.Contains(line, "stroke:#000000;stroke-width:0.8") {
			continue
		}
		d := line[strings.Index(line, `d="`)+3:]
		d = d[:strings.Index(d, `"`)]
		if strings.Count(d, "L") == 4 && strings.HasPrefix(d, "M") {
			start := d[1:strings.Index(d, "L")]
			if strings.HasSuffix(d, "L"+start) {
				frames++
			}
		}
	}
	return paths, frames
}

// TestRenderHistogramComparison: a histogram with an exact value has a
// black dashed vertical line at it, labelled; with a mean and SD, the
// normal density scaled to its counts, peaking at n × bin width /
// (SD √(2π)).
func TestRenderHistogramComparison(t *testing.T) {
	// 1000 values from a fixed, symmetric, roughly normal pattern about
	// 3, its SD about 0.1.
	var values []float64
	for i := range 1000 {
		u := (float64(i) + 0.5) / 1000
		values = append(values, 3+0.1*math.Sqrt2*erfinv(2*u-1))
	}
	nan := math.NaN()
	for _, tt := range []struct {
		name          string
		h             Histogram
		exact, normal bool
	}{
		{"both", Histogram{Values: values, Exact: 3, ExactLabel: "π (exact)", Mean: 3, SD: 0.1}, true, true},
		{"exact only", Histogram{Values: values, Exact: 3, Mean: nan, SD: nan}, true, false},
		{"normal only", Histogram{Values: values, Exact: nan, Mean: 3, SD: 0.1}, false, true},
		{"neither", Histogram{Values: values, Exact: nan, Mean: nan, SD: nan}, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fig := &Figure{Spec: sim.PlotSpec{Name: "h", Kind: KindHistogram, Y: "y", Bins: 20}.WithDefaults(), Hist: []Histogram{tt.h}}
			f, svg := layout(t, fig)
			exact, normal := f.roleIndex(roleExact), f.roleIndex(roleNormal)
			if (len(exact) == 1) != tt.exact || (len(normal) == 1) != tt.normal || len(exact) > 1 || len(normal) > 1 {
				t.Fatalf("layers %q, want exact %v and normal %v", f.roles, tt.exact, tt.normal)
			}
			if f.hasLegend != (tt.exact || tt.normal) {
				t.Errorf("legend %v", f.hasLegend)
			}
			if tt.exact {
				v := f.plotters[exact[0]].(vline)
				if v.X != 3 || v.Color != (color.NRGBA{0, 0, 0, 0xff}) || len(v.Dashes) == 0 {
					t.Errorf("exact line at %v, colour %v, dashes %v; want black dashed at 3", v.X, v.Color, v.Dashes)
				}
				label := tt.h.ExactLabel
				if label == "" {
					label = exactName
				}
				if !strings.Contains(svg, ">"+label+"<") {
					t.Errorf("legend lacks %q", label)
				}
			}
			if tt.normal {
				l := f.plotters[normal[0]].(*plotter.Line)
				if len(l.XYs) != normalPoints {
					t.Errorf("%d points on the normal curve, want %d", len(l.XYs), normalPoints)
				}
				lo, hi := slices.Min(values), slices.Max(values)
				width := (hi - lo) / 20
				peak := 0.0
				for _, xy := range l.XYs {
					peak = math.Max(peak, xy.Y)
				}
				// The grid's nearest point to the mean is within a
				// fraction of an SD of it: 0.5% below the density's peak.
				want := 1000 * width / (0.1 * math.Sqrt(2*math.Pi))
				if peak > want || peak < 0.995*want {
					t.Errorf("normal curve's peak %v, want %v", peak, want)
				}
				if !strings.Contains(svg, ">"+normalName+"<") {
					t.Errorf("legend lacks %q", normalName)
				}
			}
		})
	}
}

// erfinv is the inverse error function, by Newton's method on math.Erf.
func erfinv(y float64) float64 {
	x := 0.0
	for range 50 {
		x -= (math.Erf(x) - y) / (2 / math.SqrtPi * math.Exp(-x*x))
	}
	return x
}

// TestRenderSamples writes PNGs of hand-built figures to the directory
// $FIGURE_SAMPLES, to look at; it skips without it.
func TestRenderSamples(t *testing.T) {
	dir := os.Getenv("FIGURE_SAMPLES")
	if dir == "" {
		t.Skip("FIGURE_SAMPLES is not set: no sample figures to write")
	}
	xs := linspace(0, 1, 21)
	everywhere := lineFigure(xs, func(x float64) float64 { return math.Sin(12 * x) }, func(x float64) float64 { return math.Cos(12 * x) })
	everywhere.Spec.Title = "a legend where the data leave room"
	hist := &Figure{Spec: sim.PlotSpec{Name: "h", Kind: KindHistogram, Y: "y", Title: "three histograms", XLabel: "value", YLabel: "chunks"}.WithDefaults()}
	for i := range 3 {
		var values []float64
		for j := range 300 {
			values = append(values, float64(i)*0.05+0.1*math.Sqrt2*erfinv(2*(float64(j)+0.5)/300-1))
		}
		hist.Hist = append(hist.Hist, Histogram{Label: fmt.Sprintf("L = %d", 8<<i), Values: values, Exact: 0.05, ExactLabel: "exact", Mean: float64(i) * 0.05, SD: 0.1})
	}
	narrowLog := lineFigure(linspace(2, 7, 6), func(x float64) float64 { return 3 + x/10 })
	narrowLog.Spec.LogX, narrowLog.Spec.LogY = true, true
	narrowLog.Spec.Title = "log axes over less than a decade"
	for name, fig := range map[string]*Figure{
		"golden": goldenFigure(), "outside": everywhere, "histograms": hist, "narrow_log": narrowLog,
	} {
		var b bytes.Buffer
		if err := Render(&b, fig, "png"); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func rect(x0, y0, x1, y1 float64) vg.Rectangle {
	return vg.Rectangle{Min: vg.Point{X: vg.Length(x0), Y: vg.Length(y0)}, Max: vg.Point{X: vg.Length(x1), Y: vg.Length(y1)}}
}

func pt(p [2]float64) vg.Point { return vg.Point{X: vg.Length(p[0]), Y: vg.Length(p[1])} }

// TestRenderDrawable: characters the font lacks are drawn as look-alikes
// it has, in labels and legend entries alike.
func TestRenderDrawable(t *testing.T) {
	fig := lineFigure(linspace(0, 1, 5), func(x float64) float64 { return x }, func(x float64) float64 { return 1 - x })
	fig.Spec.YLabel = "⟨|m|⟩"
	fig.Series[0].Label = "⟨e⟩ ∝ T"
	_, svg := layout(t, fig)
	for _, want := range []string{">‹|m|›<", ">‹e› ~ T<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.ContainsAny(svg, "⟨⟩∝") {
		t.Error("SVG has characters the font lacks")
	}
}
