//go:build linux

package main

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/simrun/simrun/bench/internal/benchkit"
)

var (
	blue  = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	red   = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	grey  = color.RGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xff}
	green = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
)

// writePlot draws two panels: the speed-up of the pi workload against the
// number of workers, with the ideal and the two-process reference; and how
// many times faster simrun is than each Python peer, on a log axis.
func writePlot(path string, m *measurements) error {
	c := m.cfg
	f := compute(c, m)

	sp := plot.New()
	sp.Title.Text = fmt.Sprintf("pi, %s points: speed-up", sci(c.piSamples))
	sp.X.Label.Text = "workers"
	sp.Y.Label.Text = "speed-up over 1 worker"
	n := float64(len(f.piWorkers))
	ideal, err := plotter.NewLine(plotter.XYs{{X: 1, Y: 1}, {X: n, Y: n}})
	if err != nil {
		return err
	}
	ideal.Color = grey
	ideal.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	var xy plotter.XYs
	for i, w := range f.piWorkers {
		xy = append(xy, plotter.XY{X: float64(w), Y: f.speedup[i]})
	}
	line, points, err := plotter.NewLinePoints(xy)
	if err != nil {
		return err
	}
	line.Color, points.Color = blue, blue
	points.Shape = draw.CircleGlyph{}
	sp.Add(ideal, line, points)
	sp.Legend.Add("ideal", ideal)
	sp.Legend.Add("simrun run --workers N", line, points)
	if !math.IsNaN(f.refSpeedup) && len(f.piWorkers) >= 2 {
		ref, err := plotter.NewScatter(plotter.XYs{{X: 2, Y: f.refSpeedup}})
		if err != nil {
			return err
		}
		ref.Color = red
		ref.Shape = draw.CrossGlyph{}
		ref.Radius = vg.Points(5)
		sp.Add(ref)
		sp.Legend.Add("two independent processes", ref)
	}
	sp.Legend.Top = true
	sp.Legend.Left = true
	sp.Legend.XOffs = vg.Millimeter * 4
	sp.Legend.YOffs = -vg.Millimeter * 2
	sp.Legend.TextStyle.Font.Size = vg.Points(10)
	sp.X.Min, sp.X.Max = 0.8, n+0.2
	sp.Y.Min, sp.Y.Max = 0.8, n+0.5
	sp.X.Tick.Marker = plot.ConstantTicks(intTicks(len(f.piWorkers)))
	sp.Y.Tick.Marker = plot.ConstantTicks(intTicks(len(f.piWorkers)))
	sp.Add(plotter.NewGrid())

	rp := plot.New()
	rp.Title.Text = "simrun against multiprocessing + numpy"
	rp.X.Label.Text = "simrun faster than Python by (×, log scale)"
	rows := []struct {
		name  string
		ratio float64
	}{
		{fmt.Sprintf("pi, %s points, all cores", sci(c.piSamples)), f.piPy / f.piSim},
		{fmt.Sprintf("sweep of %s small points", benchkit.Count(c.sweepPoints)), f.sweepPy / f.sweepSim},
		{"trivial chunks vs Pool.map(chunksize=1)", f.trivProc / f.pyMap1},
		{fmt.Sprintf("trivial chunks vs Pool.map(chunksize=%d)", c.trivChunksize), f.trivProc / f.pyMap},
		{"trivial chunks vs executor.submit", f.trivProc / f.pySubmit},
	}
	names := make([]string, len(rows))
	var dots plotter.XYs
	lo, hi := 1.0, 1.0
	for i, r := range rows {
		names[i] = r.name
		if r.ratio > 0 && !math.IsInf(r.ratio, 0) && !math.IsNaN(r.ratio) {
			dots = append(dots, plotter.XY{X: r.ratio, Y: float64(i)})
			lo, hi = math.Min(lo, r.ratio), math.Max(hi, r.ratio)
		}
	}
	one, err := plotter.NewLine(plotter.XYs{{X: 1, Y: -0.5}, {X: 1, Y: float64(len(rows)) - 0.5}})
	if err != nil {
		return err
	}
	one.Color = grey
	one.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	rp.Add(one)
	if len(dots) > 0 {
		s, err := plotter.NewScatter(dots)
		if err != nil {
			return err
		}
		s.Color = green
		s.Shape = draw.CircleGlyph{}
		s.Radius = vg.Points(4)
		rp.Add(s)
	}
	rp.NominalY(names...)
	rp.X.Scale = plot.LogScale{}
	e0, e1 := int(math.Floor(math.Log10(lo))), int(math.Ceil(math.Log10(hi)))
	rp.X.Min, rp.X.Max = math.Pow10(e0), math.Pow10(e1)
	var decades []plot.Tick
	for e := e0; e <= e1; e++ {
		decades = append(decades, plot.Tick{Value: math.Pow10(e), Label: strconv.FormatFloat(math.Pow10(e), 'f', -1, 64)})
	}
	rp.X.Tick.Marker = plot.ConstantTicks(decades)
	rp.Add(plotter.NewGrid())

	img := vgimg.NewWith(vgimg.UseWH(26*vg.Centimeter, 10*vg.Centimeter), vgimg.UseDPI(150))
	dc := draw.New(img)
	// White background.
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	// Two panels side by side; the right one is wider for its labels.
	w := dc.Rectangle.Size().X
	left := draw.Crop(dc, 0, -w*0.58, 0, 0)
	right := draw.Crop(dc, w*0.42, 0, 0, 0)
	sp.Draw(draw.Crop(left, vg.Millimeter*3, -vg.Millimeter*3, vg.Millimeter*3, -vg.Millimeter*3))
	rp.Draw(draw.Crop(right, vg.Millimeter*3, -vg.Millimeter*5, vg.Millimeter*3, -vg.Millimeter*3))

	out, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(out); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}

func intTicks(n int) []plot.Tick {
	t := make([]plot.Tick, n)
	for i := range t {
		t[i] = plot.Tick{Value: float64(i + 1), Label: fmt.Sprint(i + 1)}
	}
	return t
}
