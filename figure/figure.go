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
	// (sim.PlotSpec.WithDefaultsFor the kernel).
	Spec sim.PlotSpec
	// Series holds a line plot's data: one series per combination of the
	// swept parameters other than X and those zipped with X, in sweep
	// order, labelled like "L = 16, h = 0" with each parameter's symbol
	// (sim.KernelSpec.ParamSymbol); a single series with an empty label
	// when X and its zip partners are the only swept parameters. The
	// members of X's [zip] group vary with X, value by value: a series
	// runs along the group, ordered by X. When X is a designed parameter,
	// the series are by the parameters that are not designed: a design's
	// points are not on a line, the other designed parameters varying
	// with X.
	Series []Series
	// Scatter says that X is a designed parameter: the series are drawn as
	// points with their error bars, not joined by lines, and the reference
	// is its value at each point, not a curve.
	Scatter bool
	// Reference holds a line plot's reference curves, when Spec.Reference
	// is set: Reference[i] belongs to Series[i], is labelled with the
	// reference's label (sim.ReferenceSpec.Label, "Black–Scholes"; and
	// the series label in parentheses, if any), and has Lo and Hi nil.
	// When X is zipped with other parameters, or designed, a curve holds
	// the reference at each point's own parameters (its partners vary
	// with X), drawn as a line through them (as marks for a scatter).
	// When the curves of all series are the same (an infinite-lattice
	// value drawn beside several L), there is one curve, labelled with
	// the reference's label alone.
	Reference []Series
	// Map holds a map's data: a series of points per combination of the
	// parameters that are neither its axes, designed, nor zipped with an
	// axis, labelled as Series are, each point at (X, Y) = (Spec.X,
	// Spec.X2) coloured by Z, the Stat of Spec.Y.
	Map []MapSeries
	// ZLabel is a map's colour-bar label: the label of Spec.Y with its
	// Stat, as sim.StatLabel writes it ("standard error of call price");
	// "" for other kinds.
	ZLabel string
	// Residuals holds, when Spec.Residuals is set, a line plot's
	// residuals against its reference: Residuals[i] belongs to Series[i],
	// with the same Label and X, and Y = (mean − reference)/stderr at each
	// point, the reference at the point's own parameters (NaN where either
	// is missing, or the standard error is not positive); Lo and Hi are
	// NaN. Render draws them in a panel under the plot, with lines at 0
	// and ±2.
	Residuals []Series
	// Hist holds a histogram plot's data: one histogram per point, in
	// sweep order, labelled with the point's swept parameters as a
	// series is ("" for a single point).
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
	// Exact is the plot's reference at the point, drawn as a vertical
	// line labelled ExactLabel (the reference's label); NaN, and
	// ExactLabel "", without one.
	Exact      float64
	ExactLabel string
	// Mean and SD are those of the normal density the estimates would
	// follow with the point's observed standard error (SD is the spread
	// of one chunk's estimate, the standard error times √chunks for
	// chunks of equal size), drawn over the histogram scaled to its
	// counts; SD is NaN where there is none. Mean is the point's mean of
	// Y (its estimate, not the reference); both are NaN when the results
	// have no statistic of Y at the point.
	Mean, SD float64
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
// order, designed those of them a design sets (sim.Experiment.Designed),
// and zipped the experiment's [zip] groups, each the names of its members
// (sim.Experiment.Zipped; none without [zip]); plot's unset fields take
// their defaults (sim.PlotSpec.WithDefaultsFor the kernel), those the
// experiment loader gives. A line plot takes the Stat of Y at each point
// (for "mean", with the confidence interval as Lo and Hi), and, with a
// reference, evaluates the reference's Func with Params.With(X, x) at
// about 200 values of x between each series' smallest and largest X
// (log-spaced when LogX; the integers in that range for an Int
// parameter), leaving out NaN values; when X is designed (a scatter) or
// zipped with other parameters, it evaluates Func at each point's
// parameters instead. With Residuals, it computes them at each point, as
// Figure.Residuals says. A histogram plot needs chunks, the table of
// every chunk's accumulators (what report.ReadChunks reads from
// chunks.bin); a line plot ignores it, and it may be nil. A histogram's
// Exact is its reference at the point.
//
// Build returns an error, prefixed "figure: plot <name>: ", for a
// plot that does not fit the kernel or the results: an unknown kind, stat,
// Y or reference, an X that is not a swept numeric parameter, a point
// without a statistic for Y, residuals without a reference of the mean,
// or missing chunk data.
func Build(spec sim.KernelSpec, swept, designed []string, plot sim.PlotSpec, res *report.Results, chunks *sim.ChunkTable, zipped ...[]string) (*Figure, error) {
	plot = plot.WithDefaultsFor(&spec)
	fig := &Figure{Spec: plot}
	var err error
	switch plot.Kind {
	case KindLine:
		err = buildLine(fig, spec, swept, designed, zipped, res)
	case KindHistogram:
		err = buildHist(fig, spec, swept, res, chunks)
	case KindMap:
		err = buildMap(fig, spec, swept, designed, zipped, res)
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

// label returns "a = 1, σ = x" for the named parameters of p, each
// called by its symbol (sim.KernelSpec.ParamSymbol), with strings
// unquoted.
func label(spec *sim.KernelSpec, p sim.Params, names []string) string {
	var kv []string
	for _, name := range names {
		v, _ := p.Lookup(name)
		s := v.String()
		if v.Kind == sim.String {
			s = v.S
		}
		kv = append(kv, spec.ParamSymbol(name)+" = "+s)
	}
	return strings.Join(kv, ", ")
}

// partners returns the other members of name's group among zipped.
func partners(zipped [][]string, name string) []string {
	for _, g := range zipped {
		if slices.Contains(g, name) {
			return slices.DeleteFunc(slices.Clone(g), func(n string) bool { return n == name })
		}
	}
	return nil
}

// findReference returns the kernel's reference of plot, nil for none,
// or an error if it is unknown or not one of plot.Y.
func findReference(spec sim.KernelSpec, plot sim.PlotSpec) (*sim.ReferenceSpec, error) {
	if plot.Reference == "" {
		return nil, nil
	}
	for i := range spec.References {
		if r := &spec.References[i]; r.Name == plot.Reference {
			if r.Of != plot.Y {
				return nil, fmt.Errorf("reference %q is for %s, not %s", r.Name, r.Of, plot.Y)
			}
			return r, nil
		}
	}
	return nil, fmt.Errorf("kernel %s has no reference %q", spec.Name, plot.Reference)
}

// refStat returns the statistic r predicts, StatMean for "".
func refStat(r *sim.ReferenceSpec) string {
	if r.Stat == "" {
		return StatMean
	}
	return r.Stat
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

func buildLine(fig *Figure, spec sim.KernelSpec, swept, designed []string, zipped [][]string, res *report.Results) error {
	plot := fig.Spec
	if err := checkStatY(spec, plot); err != nil {
		return err
	}
	xspec, err := numericX(spec, swept, plot.X)
	if err != nil {
		return err
	}
	ref, err := findReference(spec, plot)
	if err != nil {
		return err
	}
	if plot.Residuals && (ref == nil || plot.Stat != StatMean || refStat(ref) != StatMean) {
		return fmt.Errorf("residuals need a reference of the mean and stat %q", StatMean)
	}
	fig.Scatter = slices.Contains(designed, plot.X)
	alongX := partners(zipped, plot.X) // vary with X, value by value
	atPoints := fig.Scatter || len(alongX) > 0
	var others []string
	for _, name := range swept {
		if name != plot.X && !slices.Contains(alongX, name) && !(fig.Scatter && slices.Contains(designed, name)) {
			others = append(others, name)
		}
	}

	// Group the points by the other swept parameters, in order of first
	// appearance.
	type group struct {
		series Series
		params sim.Params // of the group's first point
		ref    Series     // the reference at each point, when atPoints
		resid  Series     // the residuals at each point
	}
	var groups []*group
	byLabel := map[string]*group{}
	nan := math.NaN()
	for _, p := range res.Points {
		s, ok := findStat(p, plot.Y)
		if !ok {
			return fmt.Errorf("point %d has no statistic for %s", p.Index, plot.Y)
		}
		xv, ok := p.Params.Lookup(plot.X)
		if !ok {
			return fmt.Errorf("point %d has no parameter %s", p.Index, plot.X)
		}
		x := xv.Float64()
		lbl := label(&spec, p.Params, others)
		g := byLabel[lbl]
		if g == nil {
			g = &group{series: Series{Label: lbl}, params: p.Params}
			g.resid.Label = lbl
			byLabel[lbl] = g
			groups = append(groups, g)
		}
		y, lo, hi := statValue(s, plot.Stat)
		g.series.X = append(g.series.X, x)
		g.series.Y = append(g.series.Y, y)
		g.series.Lo = append(g.series.Lo, lo)
		g.series.Hi = append(g.series.Hi, hi)
		if ref == nil || !(atPoints || plot.Residuals) {
			continue
		}
		r := ref.Func(p.Params)
		if atPoints && !math.IsNaN(r) {
			g.ref.X = append(g.ref.X, x)
			g.ref.Y = append(g.ref.Y, r)
			g.ref.Lo = append(g.ref.Lo, nan)
			g.ref.Hi = append(g.ref.Hi, nan)
		}
		if plot.Residuals {
			z := nan
			if s.StdErr > 0 {
				z = (s.Mean - r) / s.StdErr // NaN if either is
			}
			g.resid.X = append(g.resid.X, x)
			g.resid.Y = append(g.resid.Y, z)
			g.resid.Lo = append(g.resid.Lo, nan)
			g.resid.Hi = append(g.resid.Hi, nan)
		}
	}
	refLabel := spec.ReferenceLabel(plot.Reference)
	for _, g := range groups {
		s := sortSeries(g.series)
		fig.Series = append(fig.Series, s)
		if plot.Residuals {
			fig.Residuals = append(fig.Residuals, sortSeries(g.resid))
		}
		if ref == nil {
			continue
		}
		r := Series{Label: refLabel}
		if s.Label != "" {
			r.Label += " (" + s.Label + ")"
		}
		if atPoints {
			// At each point's own parameters, which the designed or
			// zipped ones change from point to point.
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
		fig.Reference = []Series{{Label: refLabel, X: fig.Reference[0].X, Y: fig.Reference[0].Y}}
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
	ref, err := findReference(spec, plot)
	if err != nil {
		return err
	}
	if ref != nil && refStat(ref) != StatMean {
		return fmt.Errorf("reference %q predicts the %s of %s, and a histogram compares the estimates with the mean", ref.Name, refStat(ref), plot.Y)
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
		h := Histogram{Exact: math.NaN(), Mean: math.NaN(), SD: math.NaN()}
		if len(res.Points) > 1 {
			h.Label = label(&spec, p.Params, swept)
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
		if ref != nil {
			h.Exact, h.ExactLabel = ref.Func(p.Params), spec.ReferenceLabel(ref.Name)
		}
		if s, ok := findStat(p, plot.Y); ok {
			// For chunks of equal size, the standard deviation of a
			// chunk's estimate is the standard error of their mean
			// times √chunks.
			h.Mean = s.Mean
			h.SD = s.StdErr * math.Sqrt(float64(s.Chunks)) // NaN with StdErr
		}
		fig.Hist = append(fig.Hist, h)
	}
	return nil
}

// buildMap places each point at its values of the two axes' parameters,
// coloured by the statistic of Y, in a series per combination of the
// swept parameters that are neither the axes, designed, nor zipped with
// an axis.
func buildMap(fig *Figure, spec sim.KernelSpec, swept, designed []string, zipped [][]string, res *report.Results) error {
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
	fig.ZLabel = sim.StatLabel(plot.Stat, spec.QuantityLabel(plot.Y))
	// The parameters zipped with an axis vary along it, as designed
	// ones do.
	along := append(partners(zipped, plot.X), partners(zipped, plot.X2)...)
	var others []string
	for _, name := range swept {
		if name != plot.X && name != plot.X2 && !slices.Contains(designed, name) && !slices.Contains(along, name) {
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
		lbl := label(&spec, p.Params, others)
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
