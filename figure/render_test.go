package figure

import (
	"bytes"
	"image"
	"image/color"
	_ "image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

func TestRender(t *testing.T) {
	spec, swept, res, chunks := figureRun(t)
	nan := math.NaN()
	for _, test := range []struct {
		name string
		plot sim.PlotSpec
		fig  *Figure // instead of building plot
	}{
		{name: "line", plot: sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact", Title: "Magnetisation", XLabel: "temperature", YLabel: "|m|"}},
		{name: "log axes", plot: sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact", LogX: true, LogY: true}},
		{name: "histogram", plot: sim.PlotSpec{Name: "h", Kind: "histogram", Y: "me"}},
		{name: "histogram log", plot: sim.PlotSpec{Name: "h", Kind: "histogram", Y: "m", Bins: 3, LogX: true, LogY: true}},
		{name: "non-positive on log axes", fig: &Figure{
			Spec: sim.PlotSpec{Name: "np", X: "x", Y: "y", LogX: true, LogY: true}.WithDefaults(),
			Series: []Series{
				{X: []float64{-1, 0, 1, 2, 3}, Y: []float64{1, 1, 0, 2, nan}, Lo: []float64{0, 0, -1, 1, nan}, Hi: []float64{2, 2, 1, 3, nan}},
			},
		}},
		{name: "empty on log axes", fig: &Figure{
			Spec:   sim.PlotSpec{Name: "empty", X: "x", Y: "y", LogX: true, LogY: true}.WithDefaults(),
			Series: []Series{{X: []float64{0}, Y: []float64{-1}, Lo: []float64{nan}, Hi: []float64{nan}}},
		}},
		{name: "one value histogram", fig: &Figure{
			Spec: sim.PlotSpec{Name: "one", Kind: "histogram", Y: "y", LogX: true}.WithDefaults(),
			Hist: []Histogram{{Values: []float64{2, 2, 2, nan}}},
		}},
	} {
		t.Run(test.name, func(t *testing.T) {
			fig := test.fig
			if fig == nil {
				var err error
				if fig, err = Build(spec, swept, nil, test.plot, res, sim.ChunkTableOf(sim.ChunkLayout{Chunks: 4, Obs: len(spec.Observables)}, chunks)); err != nil {
					t.Fatal(err)
				}
			}
			var png bytes.Buffer
			if err := Render(&png, fig, "png"); err != nil {
				t.Fatal(err)
			}
			img, format, err := image.Decode(&png)
			if err != nil || format != "png" {
				t.Fatalf("decode PNG: %v (format %q)", err, format)
			}
			// 16 cm × 10 cm at 150 dpi.
			if b := img.Bounds(); b.Dx() != 945 || b.Dy() != 591 {
				t.Errorf("PNG is %d × %d, want 945 × 591", b.Dx(), b.Dy())
			}

			var svg1, svg2 bytes.Buffer
			if err := Render(&svg1, fig, "svg"); err != nil {
				t.Fatal(err)
			}
			Render(&svg2, fig, "svg")
			if !bytes.Equal(svg1.Bytes(), svg2.Bytes()) {
				t.Error("two SVG renderings differ")
			}
			s := svg1.String()
			if !strings.HasPrefix(s, "<?xml") || !strings.Contains(s, "<svg") || !strings.HasSuffix(strings.TrimSpace(s), "</svg>") {
				t.Errorf("not an SVG document: %.100q…", s)
			}
			for _, text := range []string{fig.Spec.Title, fig.Spec.XLabel, fig.Spec.YLabel} {
				if !strings.Contains(s, ">"+xmlEscape(text)+"<") {
					t.Errorf("SVG lacks the text %q", text)
				}
			}
		})
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestRenderLegend(t *testing.T) {
	spec, swept, res, _ := figureRun(t)
	fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Render(&b, fig, "svg"); err != nil {
		t.Fatal(err)
	}
	checkLegend(t, fig, b.String())
}

// checkLegend checks that svg has a legend entry for each of fig's series
// and references, by their labels.
func checkLegend(t *testing.T, fig *Figure, svg string) {
	t.Helper()
	if len(fig.Series) < 2 || len(fig.Reference) < 2 {
		t.Fatalf("%d series and %d references, want at least 2 of each", len(fig.Series), len(fig.Reference))
	}
	for _, s := range append(slices.Clone(fig.Series), fig.Reference...) {
		if !strings.Contains(svg, ">"+xmlEscape(s.Label)+"<") {
			t.Errorf("legend lacks %q", s.Label)
		}
	}
}

// TestRenderScatter: a figure against a designed parameter renders, in
// every format, with a legend entry for each series and reference.
func TestRenderScatter(t *testing.T) {
	spec, swept, res, _ := figureRun(t)
	fig, err := Build(spec, swept, []string{"T"}, sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !fig.Scatter {
		t.Fatal("not a scatter")
	}
	for _, format := range []string{"svg", "png"} {
		var b bytes.Buffer
		if err := Render(&b, fig, format); err != nil || b.Len() == 0 {
			t.Fatalf("%s: %d bytes, %v", format, b.Len(), err)
		}
		if format != "svg" {
			continue
		}
		checkLegend(t, fig, b.String())
	}
}

// TestRenderMap: a map renders with its colour bar, labelled by y, and
// the colour map runs from dark blue at the smallest value drawn to yellow
// at the largest.
func TestRenderMap(t *testing.T) {
	spec, swept, res, _ := figureRun(t)
	fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "m", Kind: "map", X: "T", X2: "L", Y: "m"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"svg", "png"} {
		var b bytes.Buffer
		if err := Render(&b, fig, format); err != nil || b.Len() == 0 {
			t.Fatalf("%s: %d bytes, %v", format, b.Len(), err)
		}
		if format == "svg" && !strings.Contains(b.String(), ">m<") {
			t.Error("the colour bar is not labelled m")
		}
	}
	cm := &viridis{min: 2, max: 4}
	for _, tt := range []struct {
		x    float64
		want color.NRGBA
	}{
		{2, viridisAnchors[0]}, {3, viridisAnchors[2]}, {4, viridisAnchors[4]},
	} {
		if c, err := cm.At(tt.x); err != nil || c != tt.want {
			t.Errorf("At(%v) = %v, %v; want %v", tt.x, c, err, tt.want)
		}
	}
	if _, err := cm.At(4.5); err == nil {
		t.Error("At(4.5) outside [2, 4]: no error")
	}
}

func TestRenderUnknownFormat(t *testing.T) {
	err := Render(new(bytes.Buffer), &Figure{Spec: sim.PlotSpec{Name: "x"}}, "gif")
	if err == nil || !strings.Contains(err.Error(), `figure: render plot x: unknown format "gif"`) {
		t.Errorf("error = %v, want unknown format", err)
	}
}

// TestRenderSVGFonts: an SVG's text names fonts of Liberation Serif's
// widths after it, for browsers without it, and no text is left with
// Liberation Serif alone.
func TestRenderSVGFonts(t *testing.T) {
	var b bytes.Buffer
	fig := &Figure{Spec: sim.PlotSpec{Name: "f", Title: "t", XLabel: "x", YLabel: "y"},
		Series: []Series{{X: []float64{1, 2}, Y: []float64{3, 4}, Lo: []float64{2.9, 3.9}, Hi: []float64{3.1, 4.1}}}}
	if err := Render(&b, fig, "svg"); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	if n := strings.Count(svg, "font-family:'Liberation Serif','Times New Roman',Times,serif;"); n == 0 || strings.Contains(svg, "font-family:Liberation Serif;") {
		t.Errorf("%d texts with fallback fonts; some without: %v", n, strings.Contains(svg, "font-family:Liberation Serif;"))
	}
}
