package figure

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
	"github.com/simrun/simrun/stats"
)

// Figure is the data of one plot an experiment asks for, ready to render:
// Build computes it from the results (and the chunk estimates for a
// histogram), and Render draws it. Keeping the two apart lets tests check
// the numbers rather than the pixels.
type Figure struct {
	// Spec is the plot's spec with its defaults filled in
	// (sim.PlotSpec.WithDefaults).
	Spec sim.PlotSpec
	// Series holds a line plot's data: one series per combination of the
	// swept parameters other than X, in sweep order, labelled like
	// "L=16, h=0"; a single series with an empty label when X is the only
	// swept parameter. When X is a designed parameter, the series are by
	// the parameters that are not designed: a design's points are not on
	// a line, the other designed parameters varying with X.
	Series []Series
	// Scatter says that X is a designed parameter: the series are drawn as
	// points with their error bars, not joined by lines, and the reference
	// is its value at each point, not a curve.
	Scatter bool
	// Reference holds a line plot's reference curves, when Spec.Reference
	// is set: Reference[i] belongs to Series[i], is labelled with the
	// reference's name (and the series label in parentheses, if any), and
	// has Lo and Hi nil. When the curves of all series are the same (an
	// infinite-lattice value drawn beside several L), there is one curve,
	// labelled with the reference's name alone.
	Reference []Series
	// Map holds a map's data: a series of points per combination of the
	// parameters that are neither its axes nor designed, as for Series,
	// each point at (X, Y) = (Spec.X, Spec.X2) coloured by Z, the Stat of
	// Spec.Y.
	Map []MapSeries
	// Hist holds a histogram plot's data: one histogram per point, in
	// sweep order, labelled with the point's swept parameters ("" for a
	// single point).
	Hist []Histogram
}

// Series is one line of a line plot, sorted by X. Lo and Hi are the bounds
// of the 95% confidence interval of Y, NaN where there is none (always,
// unless the plot's Stat is "mean").
type Series struct {
	Label        string
	X, Y, Lo, Hi []float64
}

// MapSeries is one series of a map's points, in sweep order.
type MapSeries struct {
	Label   string
	X, Y, Z []float64
}

// Histogram is the per-chunk estimates of a quantity at one point, in chunk
// order: each chunk's mean for an observable, the derived quantity's Func at
// each chunk's means for a derived one. Chunks without samples are left out.
type Histogram struct {
	Label  string
	Values []float64
}

// The values of sim.PlotSpec.Kind and sim.PlotSpec.Stat.
const (
	KindLine      = "line"
	KindHistogram = "histogram"
	KindMap       = "map"

	StatMean     = "mean"
	StatStdErr   = "stderr"
	StatSD       = "sd"
	StatVariance = "variance"
)

// referencePoints is the number of points at which a reference curve is
// evaluated.
const referencePoints = 200

// Build computes the data of plot from a run's results. spec is the
// kernel's spec, swept the experiment's swept parameter names in axis
// order, designed those of them a design sets (sim.Experiment.Designed);
// plot's unset fields take their defaults (sim.PlotSpec.WithDefaults),
// those the experiment loader gives. A line plot takes the Stat of Y at each
// point (for "mean", with the confidence interval as Lo and Hi), and, with a
// reference, evaluates the reference's Func with Params.With(X, x) at about
// 200 values of x between each series' smallest and largest X (log-spaced
// when LogX; the integers in that range for an Int parameter), leaving out
// NaN values; for a scatter (X designed), it evaluates Func at each
// point's parameters instead. A histogram plot needs chunks, the table of every chunk's
// accumulators (what report.ReadChunks reads from chunks.bin); a line plot
// ignores it, and it may be nil.
//
// Build returns an error, prefixed "figure: plot <name>: ", for a
// plot that does not fit the kernel or the results: an unknown kind, stat,
// Y or reference, an X that is not a swept numeric parameter, a point
// without a statistic for Y, or missing chunk data.
func Build(spec sim.KernelSpec, swept, designed []string, plot sim.PlotSpec, res *report.Results, chunks *sim.ChunkTable) (*Figure, error) {
	plot = plot.WithDefaults()
	fig := &Figure{Spec: plot}
	var err error
	switch plot.Kind {
	case KindLine:
		err = buildLine(fig, spec, swept, designed, res)
	case KindHistogram:
		err = buildHist(fig, spec, swept, res, chunks)
	case KindMap:
		err = buildMap(fig, spec, swept, designed, res)
	default:
		err = fmt.Errorf("unknown kind %q, want %q, %q or %q", plot.Kind, KindLine, KindHistogram, KindMap)
	}
	if err != nil {
		return nil, fmt.Errorf("figure: plot %s: %w", plot.Name, err)
	}
	return fig, nil
}

// quantity finds name among the kernel's observables and derived
// quantities: it returns the observable's index, or -1 and the derived spec.
func quantity(spec sim.KernelSpec, name string) (int, *sim.DerivedSpec, error) {
	for o, obs := range spec.Observables {
		if obs.Name == name {
			return o, nil, nil
		}
	}
	for i := range spec.Derived {
		if spec.Derived[i].Name == name {
			return -1, &spec.Derived[i], nil
		}
	}
	return 0, nil, fmt.Errorf("kernel %s has no observable or derived quantity %q", spec.Name, name)
}

func findStat(p report.PointResult, name string) (stats.Stat, bool) {
	for _, s := range p.Stats {
		if s.Observable == name {
			return s, true
		}
	}
	return stats.Stat{}, false
}

// statValue returns the plotted statistic of s, with the confidence
// interval for the mean and NaN bounds otherwise.
func statValue(s stats.Stat, stat string) (y, lo, hi float64) {
	nan := math.NaN()
	switch stat {
	case StatMean:
		return s.Mean, s.CILow, s.CIHigh
	case StatStdErr:
		return s.StdErr, nan, nan
	case StatSD:
		return math.Sqrt(s.Variance), nan, nan
	default: // StatVariance
		return s.Variance, nan, nan
	}
}

// label returns "a=1, b=x" for the named parameters of p, with strings
// unquoted.
func label(p sim.Params, names []string) string {
	var kv []string
	for _, name := range names {
		v, _ := p.Lookup(name)
		s := v.String()
		if v.Kind == sim.String {
			s = v.S
		}
		kv = append(kv, name+"="+s)
	}
	return strings.Join(kv, ", ")
}

// checkStatY checks the plot's statistic and its y, as line plots and
// maps draw them.
func checkStatY(spec sim.KernelSpec, plot sim.PlotSpec) error {
	switch plot.Stat {
	case StatMean, StatStdErr, StatSD, StatVariance:
	default:
		return fmt.Errorf("unknown stat %q, want %q, %q, %q or %q", plot.Stat, StatMean, StatStdErr, StatSD, StatVariance)
	}
	_, _, err := quantity(spec, plot.Y)
	return err
}

// numericX returns the spec of x, which must be a swept int or float
// parameter.
func numericX(spec sim.KernelSpec, swept []string, x string) (sim.ParamSpec, error) {
	if !slices.Contains(swept, x) {
		return sim.ParamSpec{}, fmt.Errorf("x %q is not a swept parameter (swept: %s)", x, strings.Join(swept, ", "))
	}
	xspec, ok := spec.Param(x)
	if !ok || (xspec.Kind != sim.Int && xspec.Kind != sim.Float) {
		return sim.ParamSpec{}, fmt.Errorf("x %q is not a numeric parameter of kernel %s", x, spec.Name)
	}
	return xspec, nil
}

func buildLine(fig *Figure, spec sim.KernelSpec, swept, designed []string, res *report.Results) error {
	plot := fig.Spec
	if err := checkStatY(spec, plot); err != nil {
		return err
	}
	xspec, err := numericX(spec, swept, plot.X)
	if err != nil {
		return err
	}
	var ref *sim.ReferenceSpec
	if plot.Reference != "" {
		for i := range spec.References {
			if spec.References[i].Name == plot.Reference {
				ref = &spec.References[i]
			}
		}
		if ref == nil {
			return fmt.Errorf("kernel %s has no reference %q", spec.Name, plot.Reference)
		}
		if ref.Of != plot.Y {
			return fmt.Errorf("reference %q is for %s, not %s", ref.Name, ref.Of, plot.Y)
		}
	}
	fig.Scatter = slices.Contains(designed, plot.X)
	var others []string
	for _, name := range swept {
		if name != plot.X && !(fig.Scatter && slices.Contains(designed, name)) {
			others = append(others, name)
		}
	}

	// Group the points by the other swept parameters, in order of first
	// appearance.
	type group struct {
		series Series
		params sim.Params // of the group's first point
		ref    Series     // a scatter's reference, at each point
	}
	var groups []*group
	byLabel := map[string]*group{}
	for _, p := range res.Points {
		s, ok := findStat(p, plot.Y)
		if !ok {
			return fmt.Errorf("point %d has no statistic for %s", p.Index, plot.Y)
		}
		xv, ok := p.Params.Lookup(plot.X)
		if !ok {
			return fmt.Errorf("point %d has no parameter %s", p.Index, plot.X)
		}
		lbl := label(p.Params, others)
		g := byLabel[lbl]
		if g == nil {
			g = &group{series: Series{Label: lbl}, params: p.Params}
			byLabel[lbl] = g
			groups = append(groups, g)
		}
		y, lo, hi := statValue(s, plot.Stat)
		g.series.X = append(g.series.X, xv.Float64())
		g.series.Y = append(g.series.Y, y)
		g.series.Lo = append(g.series.Lo, lo)
		g.series.Hi = append(g.series.Hi, hi)
		if ref != nil && fig.Scatter {
			if y := ref.Func(p.Params); !math.IsNaN(y) {
				g.ref.X = append(g.ref.X, xv.Float64())
				g.ref.Y = append(g.ref.Y, y)
				g.ref.Lo = append(g.ref.Lo, math.NaN())
				g.ref.Hi = append(g.ref.Hi, math.NaN())
			}
		}
	}
	for _, g := range groups {
		s := sortSeries(g.series)
		fig.Series = append(fig.Series, s)
		if ref == nil {
			continue
		}
		r := Series{Label: ref.Name}
		if s.Label != "" {
			r.Label += " (" + s.Label + ")"
		}
		if fig.Scatter {
			// At each point's own parameters, which the other designed
			// ones change from point to point.
			sr := sortSeries(g.ref)
			r.X, r.Y = sr.X, sr.Y
			fig.Reference = append(fig.Reference, r)
			continue
		}
		for _, x := range grid(s.X, plot.LogX, xspec.Kind == sim.Int) {
			v := sim.FloatValue(x)
			if xspec.Kind == sim.Int {
				v = sim.IntValue(int64(x))
			}
			y := ref.Func(g.params.With(plot.X, v))
			if !math.IsNaN(y) {
				r.X = append(r.X, x)
				r.Y = append(r.Y, y)
			}
		}
		fig.Reference = append(fig.Reference, r)
	}
	if len(fig.Reference) > 1 && allSame(fig.Reference) {
		fig.Reference = []Series{{Label: ref.Name, X: fig.Reference[0].X, Y: fig.Reference[0].Y}}
	}
	return nil
}

// allSame reports whether every curve has the same points as the first.
func allSame(curves []Series) bool {
	for _, c := range curves[1:] {
		if !slices.Equal(c.X, curves[0].X) || !slices.Equal(c.Y, curves[0].Y) {
			return false
		}
	}
	return true
}

// sortSeries returns s sorted by X, stably.
func sortSeries(s Series) Series {
	idx := make([]int, len(s.X))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return s.X[idx[a]] < s.X[idx[b]] })
	out := Series{Label: s.Label}
	for _, i := range idx {
		out.X = append(out.X, s.X[i])
		out.Y = append(out.Y, s.Y[i])
		out.Lo = append(out.Lo, s.Lo[i])
		out.Hi = append(out.Hi, s.Hi[i])
	}
	return out
}

// grid returns referencePoints values from the smallest to the largest of
// xs, both included: log-spaced if log and both are positive, linear
// otherwise; for an integer parameter, the distinct integers among them
// (rounded). It returns nil for no finite xs.
func grid(xs []float64, log, integer bool) []float64 {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		if fmath.IsFinite(x) {
			lo, hi = math.Min(lo, x), math.Max(hi, x)
		}
	}
	if lo > hi {
		return nil
	}
	if lo == hi {
		return []float64{lo}
	}
	log = log && lo > 0
	out := make([]float64, 0, referencePoints)
	for i := range referencePoints {
		var x float64
		f := float64(i) / (referencePoints - 1)
		switch {
		case i == 0:
			x = lo
		case i == referencePoints-1:
			x = hi
		case log:
			x = math.Exp(math.Log(lo) + f*(math.Log(hi)-math.Log(lo)))
		default:
			x = lo + f*(hi-lo)
		}
		if integer {
			x = math.Round(x)
			if len(out) > 0 && out[len(out)-1] == x {
				continue
			}
		}
		out = append(out, x)
	}
	return out
}

func buildHist(fig *Figure, spec sim.KernelSpec, swept []string, res *report.Results, chunks *sim.ChunkTable) error {
	plot := fig.Spec
	o, derived, err := quantity(spec, plot.Y)
	if err != nil {
		return err
	}
	if plot.Bins < 0 {
		return fmt.Errorf("%d bins, want a positive number or 0 for automatic", plot.Bins)
	}
	if chunks == nil {
		return fmt.Errorf("a histogram needs the chunk estimates, and there are none")
	}
	if nobs := len(spec.Observables); chunks.Obs != nobs {
		return fmt.Errorf("chunk estimates: %d observables per chunk, the kernel has %d", chunks.Obs, nobs)
	}
	var pc [][]sim.Acc
	for _, p := range res.Points {
		if p.Index < 0 || p.Index >= chunks.Points() {
			return fmt.Errorf("the chunk estimates have no point %d", p.Index)
		}
		pc = chunks.PointChunks(p.Index, pc)
		h := Histogram{}
		if len(res.Points) > 1 {
			h.Label = label(p.Params, swept)
		}
		if derived == nil {
			for _, c := range pc {
				if a := c[o]; a.N > 0 {
					h.Values = append(h.Values, a.Mean)
				}
			}
		} else {
			if h.Values, err = stats.DerivedChunks(spec.Observables, *derived, p.Params, pc); err != nil {
				return err
			}
		}
		fig.Hist = append(fig.Hist, h)
	}
	return nil
}

// buildMap places each point at its values of the two axes' parameters,
// coloured by the statistic of Y.
func buildMap(fig *Figure, spec sim.KernelSpec, swept, designed []string, res *report.Results) error {
	plot := fig.Spec
	if err := checkStatY(spec, plot); err != nil {
		return err
	}
	for _, x := range []string{plot.X, plot.X2} {
		if _, err := numericX(spec, swept, x); err != nil {
			return err
		}
	}
	if plot.X == plot.X2 {
		return fmt.Errorf("x names %q twice", plot.X)
	}
	var others []string
	for _, name := range swept {
		if name != plot.X && name != plot.X2 && !slices.Contains(designed, name) {
			others = append(others, name)
		}
	}
	byLabel := map[string]int{}
	for _, p := range res.Points {
		s, ok := findStat(p, plot.Y)
		if !ok {
			return fmt.Errorf("point %d has no statistic for %s", p.Index, plot.Y)
		}
		x, _ := p.Params.Lookup(plot.X)
		y, _ := p.Params.Lookup(plot.X2)
		lbl := label(p.Params, others)
		k, seen := byLabel[lbl]
		if !seen {
			k = len(fig.Map)
			byLabel[lbl] = k
			fig.Map = append(fig.Map, MapSeries{Label: lbl})
		}
		z, _, _ := statValue(s, plot.Stat)
		m := &fig.Map[k]
		m.X, m.Y, m.Z = append(m.X, x.Float64()), append(m.Y, y.Float64()), append(m.Z, z)
	}
	return nil
}
