package figure

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/simrun/simrun/sim/fmath"
)

// normalPoints is the number of points of a histogram's normal curve.
const normalPoints = 200

// The legend's names of a histogram's comparisons.
const (
	exactName  = "exact"
	normalName = "normal, observed s.e."
)

// addHistograms draws each histogram with the same bin edges, then each
// one's normal curve, then the exact values' vertical lines.
func (f *canvasFigure) addHistograms(fig *Figure, keepX, keepY func(float64) bool) error {
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
		return nil
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

	alpha := uint8(0xb0)
	if len(fig.Hist) > 1 {
		alpha = 0x70
	}
	var curves []plot.Plotter
	var curveThumb plot.Thumbnailer
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
		col := seriesColor(i)
		hist := &plotter.Histogram{
			Bins:      bins,
			Width:     (hi - lo) / float64(nbins),
			FillColor: withAlpha(col, alpha),
			LineStyle: draw.LineStyle{Color: col, Width: vg.Points(0.8)},
			LogY:      fig.Spec.LogY,
		}
		f.add(roleHistogram, hist)
		for _, b := range bins {
			if b.Weight > 0 {
				f.hide.rects = append(f.hide.rects, bin{b.Min, b.Max, b.Weight})
			}
		}
		name := h.Label
		if name == "" {
			name = fmt.Sprintf("%d chunk estimates", len(kept[i]))
		}
		f.addEntry(name, hist)

		pts := normalCurve(h, len(kept[i]), edges, log, fig.Spec.LogY, keepX)
		if len(pts) < 2 {
			continue
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		line.LineStyle = draw.LineStyle{Color: darker(col), Width: referenceWidth}
		curves = append(curves, line)
		f.hide.lines = append(f.hide.lines, xyPoints(pts))
		curveThumb = line
	}
	f.add(roleNormal, curves...)
	if len(curves) > 1 {
		// One entry for all: each curve has its histogram's colour.
		curveThumb = &plotter.Line{LineStyle: draw.LineStyle{Color: color.Gray{0x40}, Width: referenceWidth}}
	}
	if curveThumb != nil {
		f.addEntry(normalName, curveThumb)
	}
	f.addExact(fig, keepX)
	f.hasLegend = len(fig.Hist) > 1 || len(curves) > 0 || len(f.roleIndex(roleExact)) > 0
	return nil
}

// addExact draws the histograms' exact values as vertical lines: one
// black dashed line when they are all the same value, else one per
// histogram in a darker shade of its colour.
func (f *canvasFigure) addExact(fig *Figure, keepX func(float64) bool) {
	type exact struct {
		x     float64
		label string
		hist  int
	}
	var all []exact
	same := true
	for i, h := range fig.Hist {
		if !keepX(h.Exact) {
			continue
		}
		label := h.ExactLabel
		if label == "" {
			label = exactName
		}
		if len(all) > 0 && (h.Exact != all[0].x || label != all[0].label) {
			same = false
		}
		all = append(all, exact{h.Exact, label, i})
	}
	if len(all) == 0 {
		return
	}
	if same {
		all = all[:1]
	}
	for _, e := range all {
		col := color.NRGBA{0, 0, 0, 0xff}
		label := e.label
		if !same {
			col = darker(seriesColor(e.hist))
			if h := fig.Hist[e.hist].Label; h != "" {
				label += " (" + h + ")"
			}
		}
		v := vline{X: e.x, LineStyle: draw.LineStyle{Color: col, Width: referenceWidth, Dashes: referenceDashes}}
		f.add(roleExact, v)
		f.hide.vlines = append(f.hide.vlines, e.x)
		f.addEntry(label, v)
	}
}

// normalCurve returns the density of N(h.Mean, h.SD) scaled to a
// histogram of n values (n × bin width × density; on a log axis, whose
// bins widen with x, n × x × the bins' width in ln x × density), at
// normalPoints values from the histogram's range widened by half of it
// on either side, but no further than 4 SD from the mean; nil without a
// finite mean and a positive SD. The bins' edges are edges, log-spaced
// when log. On a log Y axis, it leaves out the values below half a
// count, where the curve runs off to 0.
func normalCurve(h Histogram, n int, edges []float64, log, logY bool, keepX func(float64) bool) plotter.XYs {
	if !fmath.IsFinite(h.Mean) || !fmath.IsFinite(h.SD) || !(h.SD > 0) || n == 0 || len(edges) < 2 {
		return nil
	}
	nbins := len(edges) - 1
	lo, hi := edges[0], edges[nbins]
	width := (hi - lo) / float64(nbins)
	var a, b float64
	if log {
		l, u := math.Log(lo), math.Log(hi)
		a, b = math.Exp(l-(u-l)/2), math.Exp(u+(u-l)/2)
	} else {
		a, b = lo-(hi-lo)/2, hi+(hi-lo)/2
	}
	a = math.Min(lo, math.Max(a, h.Mean-4*h.SD))
	b = math.Max(hi, math.Min(b, h.Mean+4*h.SD))
	lnWidth := 0.0
	if log {
		lnWidth = (math.Log(hi) - math.Log(lo)) / float64(nbins)
	}
	var pts plotter.XYs
	for i := range normalPoints {
		t := float64(i) / (normalPoints - 1)
		x := a + t*(b-a)
		if log {
			x = math.Exp(math.Log(a) + t*(math.Log(b)-math.Log(a)))
		}
		z := (x - h.Mean) / h.SD
		pdf := math.Exp(-z*z/2) / (h.SD * math.Sqrt(2*math.Pi))
		y := float64(n) * width * pdf
		if log {
			y = float64(n) * x * lnWidth * pdf
		}
		if !keepX(x) || !fmath.IsFinite(y) || (logY && !(y >= 0.5)) {
			continue
		}
		pts = append(pts, plotter.XY{X: x, Y: y})
	}
	return pts
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
