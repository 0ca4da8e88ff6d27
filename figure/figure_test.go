package figure

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

// accOf returns the accumulator of xs, added one by one.
func accOf(xs ...float64) sim.Acc {
	var a sim.Acc
	for _, x := range xs {
		a.Add(x)
	}
	return a
}

// figureRun is a made-up run of a kernel with observables m and e, the
// derived quantity me = m·e, and the reference exact(m) = L + 1/T; the
// sweep is L × T (T out of order for L = 16), with h fixed. Its Stats are
// stats.ReduceAll of its chunks, 4 chunks per point.
func figureRun(t *testing.T) (sim.KernelSpec, []string, *report.Results, []sim.Acc) {
	t.Helper()
	params := []sim.ParamSpec{{Name: "L", Kind: sim.Int}, {Name: "T", Kind: sim.Float}, {Name: "h", Kind: sim.Float}}
	spec := sim.KernelSpec{
		Name:        "test",
		Params:      params,
		Observables: []sim.ObservableSpec{{Name: "m"}, {Name: "e", IID: true}},
		Derived: []sim.DerivedSpec{{Name: "me", Of: []string{"m", "e"},
			Func: func(_ sim.Params, m []float64) float64 { return m[0] * m[1] }}},
		References: []sim.ReferenceSpec{
			{Name: "exact", Of: "m", Func: func(p sim.Params) float64 {
				if p.Float("T") > 2.5 {
					return math.NaN() // checks that NaN values are left out
				}
				return float64(p.Int("L")) + 1/p.Float("T")
			}},
			{Name: "wrong", Of: "e", Func: func(sim.Params) float64 { return 0 }},
		},
	}
	res := &report.Results{Provenance: report.Provenance{Experiment: "figure-test"}}
	var chunks []sim.Acc
	i := 0
	for _, L := range []int64{8, 16} {
		for _, T := range []float64{3, 1, 2} {
			p := sim.NewParams(params, []sim.Value{sim.IntValue(L), sim.FloatValue(T), sim.FloatValue(0)})
			var pc [][]sim.Acc
			for c := range 4 {
				x := float64(L)/T + float64(c*i%5)/10
				chunk := []sim.Acc{accOf(x, x+0.5), accOf(T, float64(c))}
				if i == 1 && c == 2 {
					chunk = []sim.Acc{{}, {}} // a chunk without samples
				}
				pc = append(pc, chunk)
				chunks = append(chunks, chunk...)
			}
			st, w := stats.ReduceAll(spec, p, pc)
			res.Points = append(res.Points, report.PointResult{Index: int64(i), Params: p, Stats: st, Warnings: w})
			i++
		}
	}
	return spec, []string{"L", "T"}, res, chunks
}

func TestBuildLine(t *testing.T) {
	spec, swept, res, _ := figureRun(t)
	for _, test := range []struct {
		name   string
		plot   sim.PlotSpec
		labels []string
	}{
		{name: "mean", plot: sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}, labels: []string{"L = 8", "L = 16"}},
		{name: "stderr", plot: sim.PlotSpec{Name: "se", X: "T", Y: "m", Stat: "stderr"}, labels: []string{"L = 8", "L = 16"}},
		{name: "sd of derived", plot: sim.PlotSpec{Name: "sd", X: "L", Y: "me", Stat: "sd", LogX: true}, labels: []string{"T = 3", "T = 1", "T = 2"}},
		{name: "variance", plot: sim.PlotSpec{Name: "v", X: "L", Y: "e", Stat: "variance"}, labels: []string{"T = 3", "T = 1", "T = 2"}},
	} {
		t.Run(test.name, func(t *testing.T) {
			fig, err := Build(spec, swept, nil, test.plot, res, nil)
			if err != nil {
				t.Fatal(err)
			}
			var labels []string
			for _, s := range fig.Series {
				labels = append(labels, s.Label)
			}
			if !reflect.DeepEqual(labels, test.labels) {
				t.Fatalf("series %q, want %q", labels, test.labels)
			}
			n := 0
			for _, s := range fig.Series {
				for j, x := range s.X {
					if j > 0 && s.X[j-1] >= x {
						t.Errorf("series %s: X not sorted: %v", s.Label, s.X)
					}
					p := findPoint(t, res, s.Label, test.plot.X, x)
					st, _ := findStat(p, test.plot.Y)
					y := map[string]float64{
						"":         st.Mean,
						"stderr":   st.StdErr,
						"sd":       math.Sqrt(st.Variance),
						"variance": st.Variance,
					}[test.plot.Stat]
					if s.Y[j] != y {
						t.Errorf("series %s at %v: Y = %v, want %v", s.Label, x, s.Y[j], y)
					}
					if test.plot.Stat == "" && (s.Lo[j] != st.CILow || s.Hi[j] != st.CIHigh) {
						t.Errorf("series %s at %v: CI [%v, %v], want [%v, %v]", s.Label, x, s.Lo[j], s.Hi[j], st.CILow, st.CIHigh)
					}
					if test.plot.Stat != "" && !(math.IsNaN(s.Lo[j]) && math.IsNaN(s.Hi[j])) {
						t.Errorf("series %s at %v: CI [%v, %v], want NaN", s.Label, x, s.Lo[j], s.Hi[j])
					}
					n++
				}
			}
			if n != len(res.Points) {
				t.Errorf("%d points in the series, want %d", n, len(res.Points))
			}
			if test.plot.Reference == "" {
				if fig.Reference != nil {
					t.Errorf("reference curves without a reference")
				}
				return
			}
			if len(fig.Reference) != len(fig.Series) {
				t.Fatalf("%d reference curves for %d series", len(fig.Reference), len(fig.Series))
			}
			for i, r := range fig.Reference {
				if want := "exact (" + fig.Series[i].Label + ")"; r.Label != want {
					t.Errorf("reference label %q, want %q", r.Label, want)
				}
				// Evaluated from T = 1 to 3 at 200 points; the
				// reference is NaN above 2.5, which leaves
				// i/199 ≤ 0.75, i ≤ 149.
				if len(r.X) != 150 || r.X[0] != 1 {
					t.Errorf("reference %s: %d points from %v, want 150 from 1", r.Label, len(r.X), r.X[0])
				}
				L := float64(map[string]int{"L = 8": 8, "L = 16": 16}[fig.Series[i].Label])
				for j, x := range r.X {
					if want := L + 1/x; r.Y[j] != want {
						t.Errorf("reference %s at %v = %v, want %v", r.Label, x, r.Y[j], want)
					}
				}
			}
		})
	}
}

// findPoint returns the point whose swept parameters other than x are
// label and whose x is xv.
func findPoint(t *testing.T, res *report.Results, lbl, x string, xv float64) report.PointResult {
	t.Helper()
	for _, p := range res.Points {
		v, _ := p.Params.Lookup(x)
		other := "T"
		if x == "T" {
			other = "L"
		}
		if v.Float64() == xv && label(nil, p.Params, []string{other}) == lbl {
			return p
		}
	}
	t.Fatalf("no point %s, %s=%v", lbl, x, xv)
	return report.PointResult{}
}

// TestBuildScatter: against a designed parameter, the series are by the
// grid's parameters only (not by h, designed with T), are marked Scatter,
// and the reference is its value at each point. Without the design, the
// same points split into a series per value of h.
func TestBuildScatter(t *testing.T) {
	spec, _, res, _ := figureRun(t)
	for i, p := range res.Points {
		res.Points[i].Params = p.Params.With("h", sim.FloatValue(p.Params.Float("T")/10))
	}
	plot := sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}
	fig, err := Build(spec, []string{"L", "T", "h"}, []string{"T", "h"}, plot, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !fig.Scatter || len(fig.Series) != 2 || fig.Series[0].Label != "L = 8" || fig.Series[1].Label != "L = 16" {
		t.Fatalf("scatter %v, series %+v; want a scatter of two series, L = 8 and L = 16", fig.Scatter, fig.Series)
	}
	for i, L := range []float64{8, 16} {
		s, r := fig.Series[i], fig.Reference[i]
		if !reflect.DeepEqual(s.X, []float64{1, 2, 3}) {
			t.Errorf("series %s: X %v, want every design point, 1, 2, 3", s.Label, s.X)
		}
		// exact = L + 1/T, NaN (left out) above T = 2.5.
		if !reflect.DeepEqual(r.X, []float64{1, 2}) || !reflect.DeepEqual(r.Y, []float64{L + 1, L + 0.5}) {
			t.Errorf("reference %s: %v, %v; want the value at T = 1 and 2", r.Label, r.X, r.Y)
		}
	}
	grid, err := Build(spec, []string{"L", "T", "h"}, nil, plot, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if grid.Scatter || len(grid.Series) != 6 || grid.Series[0].Label != "L = 8, h = 0.3" {
		t.Errorf("without the design: scatter %v, %d series (first %q); want lines, one a value of L and h", grid.Scatter, len(grid.Series), grid.Series[0].Label)
	}
}

// TestBuildMap: a map places each point at its two parameters with the
// statistic of y as its value, in a series per combination of the
// parameters that are neither its axes nor designed.
func TestBuildMap(t *testing.T) {
	spec, swept, res, _ := figureRun(t)
	fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "m", Kind: "map", X: "T", X2: "L", Y: "m", Stat: "stderr"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Map) != 1 || len(fig.Map[0].X) != 6 {
		t.Fatalf("map %+v, want one series of the 6 points", fig.Map)
	}
	for k, p := range res.Points {
		s, _ := findStat(p, "m")
		if m := fig.Map[0]; m.X[k] != p.Params.Float("T") || m.Y[k] != float64(p.Params.Int("L")) || m.Z[k] != s.StdErr {
			t.Errorf("point %d at (%v, %v) = %v, want (%v, %d) = %v", k, m.X[k], m.Y[k], m.Z[k], p.Params.Float("T"), p.Params.Int("L"), s.StdErr)
		}
	}
	if fig.Spec.Title != "standard error of m over T and L" || fig.ZLabel != "standard error of m" {
		t.Errorf("title %q, colour bar %q", fig.Spec.Title, fig.ZLabel)
	}
	// Over two designed parameters, a series per value of L.
	for i, p := range res.Points {
		res.Points[i].Params = p.Params.With("h", sim.FloatValue(p.Params.Float("T")/10))
	}
	fig, err = Build(spec, []string{"L", "T", "h"}, []string{"T", "h"}, sim.PlotSpec{Name: "m", Kind: "map", X: "T", X2: "h", Y: "m"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Map) != 2 || fig.Map[0].Label != "L = 8" || fig.Map[1].Label != "L = 16" || len(fig.Map[1].X) != 3 {
		t.Errorf("map %+v, want series L = 8 and L = 16 of 3 points each", fig.Map)
	}
}

func TestBuildOneSeries(t *testing.T) {
	spec, _, res, _ := figureRun(t)
	res.Points = res.Points[:3] // L = 8 only: T is the only swept parameter
	fig, err := Build(spec, []string{"T"}, nil, sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Series) != 1 || fig.Series[0].Label != "" || !reflect.DeepEqual(fig.Series[0].X, []float64{1, 2, 3}) {
		t.Errorf("series = %+v, want one unlabelled with X 1, 2, 3", fig.Series)
	}
	if len(fig.Reference) != 1 || fig.Reference[0].Label != "exact" {
		t.Errorf("reference = %+v, want one labelled exact", fig.Reference)
	}
	want := sim.PlotSpec{Name: "m", Kind: "line", X: "T", Y: "m", Stat: "mean", Reference: "exact",
		Title: "m against T", XLabel: "T", YLabel: "m", Formats: []string{"png", "svg"}}
	if !reflect.DeepEqual(fig.Spec, want) {
		t.Errorf("Spec = %+v, want defaults %+v", fig.Spec, want)
	}
}

func TestBuildSharedReference(t *testing.T) {
	// The "wrong" reference of e is 0 whatever L: one curve for both series,
	// labelled with its name alone. "exact" depends on L: one per series.
	spec, swept, res, _ := figureRun(t)
	fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "e", X: "T", Y: "e", Reference: "wrong"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Series) != 2 || len(fig.Reference) != 1 || fig.Reference[0].Label != "wrong" {
		t.Errorf("%d series, references %+v; want 2 series and one reference labelled wrong", len(fig.Series), fig.Reference)
	}
	fig, err = Build(spec, swept, nil, sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Reference) != 2 {
		t.Errorf("%d reference curves for a reference that depends on L, want 2", len(fig.Reference))
	}
}

func TestBuildIntReference(t *testing.T) {
	spec, swept, res, _ := figureRun(t)
	fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "m", X: "L", Y: "m", Reference: "exact", LogX: true}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	// L runs over the integers 8..16, log-spaced at 200 points: every one.
	for _, r := range fig.Reference[1:] { // T=1 and T=2 (T=3 has no reference)
		if !reflect.DeepEqual(r.X, []float64{8, 9, 10, 11, 12, 13, 14, 15, 16}) {
			t.Errorf("reference %s at %v, want the integers 8 to 16", r.Label, r.X)
		}
	}
	if len(fig.Reference[0].X) != 0 {
		t.Errorf("reference %s has %d points, want none (NaN above T = 2.5)", fig.Reference[0].Label, len(fig.Reference[0].X))
	}
}

func TestBuildHistogram(t *testing.T) {
	spec, swept, res, chunks := figureRun(t)
	for _, y := range []string{"m", "me"} {
		fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "h", Kind: "histogram", Y: y}, res, sim.ChunkTableOf(sim.ChunkLayout{Chunks: 4, Obs: len(spec.Observables)}, chunks))
		if err != nil {
			t.Fatal(err)
		}
		if len(fig.Hist) != len(res.Points) {
			t.Fatalf("%d histograms, want %d", len(fig.Hist), len(res.Points))
		}
		for i, h := range fig.Hist {
			var want []float64
			for c := range 4 {
				m, e := chunks[(i*4+c)*2], chunks[(i*4+c)*2+1]
				if m.N == 0 {
					continue
				}
				if y == "m" {
					want = append(want, m.Mean)
				} else {
					want = append(want, m.Mean*e.Mean)
				}
			}
			if !reflect.DeepEqual(h.Values, want) {
				t.Errorf("%s histogram %d = %v, want %v", y, i, h.Values, want)
			}
			if wantLabel := label(nil, res.Points[i].Params, swept); h.Label != wantLabel {
				t.Errorf("label %q, want %q", h.Label, wantLabel)
			}
		}
		if i := 1; len(fig.Hist[i].Values) != 3 {
			t.Errorf("point 1 has %d values, want 3 (one chunk has no samples)", len(fig.Hist[i].Values))
		}
	}
}

func TestBuildInvalidInput(t *testing.T) {
	spec, swept, res, chunks := figureRun(t)
	for _, test := range []struct {
		name   string
		plot   sim.PlotSpec
		chunks *sim.ChunkTable
		want   string
	}{
		{name: "kind", plot: sim.PlotSpec{Kind: "pie", X: "T", Y: "m"}, want: `unknown kind "pie"`},
		{name: "stat", plot: sim.PlotSpec{X: "T", Y: "m", Stat: "median"}, want: `unknown stat "median"`},
		{name: "y", plot: sim.PlotSpec{X: "T", Y: "q"}, want: `no observable or derived quantity "q"`},
		{name: "x not swept", plot: sim.PlotSpec{X: "h", Y: "m"}, want: `x "h" is not a swept parameter`},
		{name: "reference", plot: sim.PlotSpec{X: "T", Y: "m", Reference: "none"}, want: `no reference "none"`},
		{name: "reference of other", plot: sim.PlotSpec{X: "T", Y: "m", Reference: "wrong"}, want: `reference "wrong" is for e, not m`},
		{name: "residuals without a reference", plot: sim.PlotSpec{X: "T", Y: "m", Residuals: true}, want: "residuals need a reference of the mean"},
		{name: "residuals of the stderr", plot: sim.PlotSpec{X: "T", Y: "m", Reference: "exact", Stat: "stderr", Residuals: true}, want: "residuals need a reference of the mean"},
		{name: "histogram reference of other", plot: sim.PlotSpec{Kind: "histogram", Y: "m", Reference: "wrong"}, want: `reference "wrong" is for e, not m`},
		{name: "no chunks", plot: sim.PlotSpec{Kind: "histogram", Y: "m"}, want: "needs the chunk estimates"},
		{name: "other observables", plot: sim.PlotSpec{Kind: "histogram", Y: "m"}, chunks: sim.ChunkTableOf(sim.ChunkLayout{Chunks: 4, Obs: 1}, chunks), want: "1 observables per chunk, the kernel has 2"},
		{name: "missing point", plot: sim.PlotSpec{Kind: "histogram", Y: "m"}, chunks: sim.ChunkTableOf(sim.ChunkLayout{Chunks: 4, Obs: 2}, chunks[:8]), want: "no point 1"},
	} {
		t.Run(test.name, func(t *testing.T) {
			test.plot.Name = "p"
			_, err := Build(spec, swept, nil, test.plot, res, test.chunks)
			if err == nil || !strings.HasPrefix(err.Error(), "figure: plot p: ") || !strings.Contains(err.Error(), test.want) {
				t.Errorf("error = %v, want one containing %q", err, test.want)
			}
		})
	}
}

// TestBuildLabels: with the kernel's labels, the defaults name the axes
// by them, the series call each parameter by its symbol, and the
// reference curves by the reference's label.
func TestBuildLabels(t *testing.T) {
	spec, swept, res, _ := figureRun(t)
	spec.Params = slices.Clone(spec.Params)
	spec.Params[0].Label = "lattice size L"
	spec.Params[1].Label = "temperature T"
	spec.Observables = slices.Clone(spec.Observables)
	spec.Observables[0].Label = "magnetisation |m|"
	spec.References = slices.Clone(spec.References)
	spec.References[0].Label = "exact value"
	fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "m", X: "T", Y: "m", Stat: "stderr"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s := fig.Spec; s.Title != "standard error of magnetisation |m| against temperature T" || s.XLabel != "temperature T" || s.YLabel != "standard error of magnetisation |m|" {
		t.Errorf("title %q, x %q, y %q; want the labels", s.Title, s.XLabel, s.YLabel)
	}
	fig, err = Build(spec, swept, nil, sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, s := range append(fig.Series, fig.Reference...) {
		labels = append(labels, s.Label)
	}
	if want := []string{"L = 8", "L = 16", "exact value (L = 8)", "exact value (L = 16)"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("labels %q, want %q", labels, want)
	}
}

// zippedRun is figureRun with h zipped with T, h = T/10 at every point,
// and a reference that depends on h: exact(m) = L + 1/T + h, NaN above
// T = 2.5.
func zippedRun(t *testing.T) (sim.KernelSpec, []string, *report.Results) {
	t.Helper()
	spec, _, res, _ := figureRun(t)
	for i, p := range res.Points {
		res.Points[i].Params = p.Params.With("h", sim.FloatValue(p.Params.Float("T")/10))
	}
	spec.References = slices.Clone(spec.References)
	spec.References[0].Func = func(p sim.Params) float64 {
		if p.Float("T") > 2.5 {
			return math.NaN()
		}
		return float64(p.Int("L")) + 1/p.Float("T") + p.Float("h")
	}
	return spec, []string{"L", "T", "h"}, res
}

// TestBuildZipped: against a parameter zipped with others, the zip group
// makes one series per value of the other swept parameters, ordered
// along x and drawn as a line, with the reference at each point's own
// parameters; a map against it is one series too. Without the zip, the
// same points make a series per value of L and h, of one point each.
func TestBuildZipped(t *testing.T) {
	spec, swept, res := zippedRun(t)
	zipped := [][]string{{"T", "h"}}
	fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}, res, nil, zipped...)
	if err != nil {
		t.Fatal(err)
	}
	if fig.Scatter || len(fig.Series) != 2 || fig.Series[0].Label != "L = 8" || fig.Series[1].Label != "L = 16" {
		t.Fatalf("scatter %v, series %+v; want lines, L = 8 and L = 16", fig.Scatter, fig.Series)
	}
	for i, L := range []float64{8, 16} {
		s, r := fig.Series[i], fig.Reference[i]
		if !reflect.DeepEqual(s.X, []float64{1, 2, 3}) {
			t.Errorf("series %s: X %v, want 1, 2, 3", s.Label, s.X)
		}
		for j, x := range s.X {
			p := findPoint(t, res, s.Label, "T", x)
			if st, _ := findStat(p, "m"); s.Y[j] != st.Mean {
				t.Errorf("series %s at T = %v: %v, want the mean %v", s.Label, x, s.Y[j], st.Mean)
			}
		}
		// L + 1/T + h at T = 1, h = 0.1 and T = 2, h = 0.2; NaN (left
		// out) at T = 3.
		if want := "exact (" + s.Label + ")"; r.Label != want || !reflect.DeepEqual(r.X, []float64{1, 2}) || !reflect.DeepEqual(r.Y, []float64{L + 1 + 0.1, L + 0.5 + 0.2}) {
			t.Errorf("reference %q: %v, %v; want %q, the value at each point, T = 1 and 2", r.Label, r.X, r.Y, want)
		}
	}
	m, err := Build(spec, swept, nil, sim.PlotSpec{Name: "map", Kind: "map", X: "T", X2: "L", Y: "m"}, res, nil, zipped...)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Map) != 1 || len(m.Map[0].X) != 6 {
		t.Errorf("map %+v, want one series of the 6 points", m.Map)
	}
	grid, err := Build(spec, swept, nil, sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(grid.Series) != 6 || len(grid.Series[0].X) != 1 {
		t.Errorf("without the zip: %d series of %d points; want 6 of one", len(grid.Series), len(grid.Series[0].X))
	}
}

// TestBuildResiduals: each point's residual is (mean − reference)/stderr,
// the reference at the point's parameters, in the series' order; NaN
// where the reference is, or the standard error is 0 (every chunk of
// L = 16, T = 2 is the same).
func TestBuildResiduals(t *testing.T) {
	spec, swept, res, _ := figureRun(t)
	fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact", Residuals: true}, res, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(fig.Residuals) != len(fig.Series) {
		t.Fatalf("%d residual series for %d series", len(fig.Residuals), len(fig.Series))
	}
	for i, r := range fig.Residuals {
		s := fig.Series[i]
		if r.Label != s.Label || !reflect.DeepEqual(r.X, s.X) {
			t.Errorf("residuals %q at %v, want %q at %v", r.Label, r.X, s.Label, s.X)
		}
		L := float64(map[string]int{"L = 8": 8, "L = 16": 16}[s.Label])
		for j, x := range r.X {
			if !math.IsNaN(r.Lo[j]) || !math.IsNaN(r.Hi[j]) {
				t.Errorf("residual %s at T = %v: bounds [%v, %v], want NaN", r.Label, x, r.Lo[j], r.Hi[j])
			}
			st, _ := findStat(findPoint(t, res, s.Label, "T", x), "m")
			if x > 2.5 || !(st.StdErr > 0) {
				if !math.IsNaN(r.Y[j]) {
					t.Errorf("residual %s at T = %v = %v, want NaN (no reference, or a standard error of %v)", r.Label, x, r.Y[j], st.StdErr)
				}
				continue
			}
			if want := (st.Mean - (L + 1/x)) / st.StdErr; r.Y[j] != want {
				t.Errorf("residual %s at T = %v = %v, want %v", r.Label, x, r.Y[j], want)
			}
		}
	}
	// By hand at L = 8, T = 1: three chunks (one is empty) of means
	// 8.25, 8.35, 8.55; mean 8.38333, batch-means standard error
	// sd/√3 = 0.152753/√3 = 0.0881917; reference 8 + 1/1 = 9.
	got := fig.Residuals[0].Y[0]
	if want := (8.383333333 - 9) / 0.0881917104; math.Abs(got-want) > 1e-6 {
		t.Errorf("residual at L = 8, T = 1 = %v, want %v (by hand)", got, want)
	}
	fig, err = Build(spec, swept, nil, sim.PlotSpec{Name: "m", X: "T", Y: "m", Reference: "exact"}, res, nil)
	if err != nil || fig.Residuals != nil {
		t.Errorf("without residuals = true: %v, %v; want none", fig.Residuals, err)
	}
}

// TestBuildHistogramComparison: a histogram's exact value is its
// reference at the point, and its normal density has the point's mean
// and the spread of one chunk's estimate, stderr × √chunks.
func TestBuildHistogramComparison(t *testing.T) {
	spec, swept, res, chunks := figureRun(t)
	table := sim.ChunkTableOf(sim.ChunkLayout{Chunks: 4, Obs: len(spec.Observables)}, chunks)
	fig, err := Build(spec, swept, nil, sim.PlotSpec{Name: "h", Kind: "histogram", Y: "m", Reference: "exact"}, res, table)
	if err != nil {
		t.Fatal(err)
	}
	for i, h := range fig.Hist {
		p := res.Points[i]
		st, _ := findStat(p, "m")
		exact := float64(p.Params.Int("L")) + 1/p.Params.Float("T")
		if p.Params.Float("T") > 2.5 {
			exact = math.NaN()
		}
		if h.ExactLabel != "exact" || !sameFloat(h.Exact, exact) {
			t.Errorf("histogram %s: exact %q = %v, want %q = %v", h.Label, h.ExactLabel, h.Exact, "exact", exact)
		}
		if want := st.StdErr * math.Sqrt(float64(st.Chunks)); h.Mean != st.Mean || h.SD != want {
			t.Errorf("histogram %s: mean %v, sd %v; want %v, %v", h.Label, h.Mean, h.SD, st.Mean, want)
		}
	}
	// By hand at L = 8, T = 1 (point 1): chunk means 8.25, 8.35, 8.55,
	// whose mean is 8.38333 and sample standard deviation 0.152753, what
	// stderr × √chunks is for batch means of equal chunks.
	if h := fig.Hist[1]; math.Abs(h.Mean-8.383333333) > 1e-9 || math.Abs(h.SD-0.1527525232) > 1e-9 || h.Exact != 9 {
		t.Errorf("histogram %s: mean %v, sd %v, exact %v; want 8.38333, 0.152753, 9 (by hand)", h.Label, h.Mean, h.SD, h.Exact)
	}
	fig, err = Build(spec, swept, nil, sim.PlotSpec{Name: "h", Kind: "histogram", Y: "m"}, res, table)
	if err != nil {
		t.Fatal(err)
	}
	if h := fig.Hist[0]; !math.IsNaN(h.Exact) || h.ExactLabel != "" {
		t.Errorf("without a reference: exact %q = %v, want NaN", h.ExactLabel, h.Exact)
	}
}

// sameFloat reports whether a and b are equal or both NaN.
func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
