package sim

// DerivedSpec declares a quantity a kernel derives from the means of its
// observables, such as the specific heat N(⟨e²⟩−⟨e⟩²)/T² of the Ising
// model. Its estimate is Func at the point's overall means; its standard
// error comes from the spread of Func over the chunks' own means (each
// chunk is an independent replica), as batch means.
type DerivedSpec struct {
	Name string
	Doc  string
	// Of names the observables whose means Func takes, in order.
	Of []string
	// Func computes the quantity from the point's parameters and the means
	// of Of. It must not retain means.
	Func func(p Params, means []float64) float64
}

// ReferenceSpec declares an exact or published value that a kernel's
// observable (or derived quantity) should approach, as a function of the
// point's parameters: Onsager's magnetisation, the Black–Scholes price.
// Figures draw it as a reference curve.
type ReferenceSpec struct {
	Name string
	Doc  string // what it is and where it comes from
	// Of names the observable or derived quantity it predicts.
	Of string
	// Stat is the statistic of Of it predicts, as in PlotSpec.Stat: "" or
	// "mean" for the mean, or "sd" for the standard deviation of a sample.
	Stat string
	// Exact says the value is the exact expectation for the simulated
	// system itself, not a limit it approaches (an infinite lattice, a
	// large population): a run must then agree with it within its
	// standard errors, which simrun check tests for references of the mean.
	Exact bool
	// Func returns the reference value at p, or NaN where it has none
	// (Onsager's magnetisation above T_c is 0, not NaN; a finite-size
	// quantity with no closed form is NaN).
	Func func(p Params) float64
}

// PlotSpec is one figure an experiment asks for, from a [[plot]] table.
//
// A "line" plot draws Stat of Y against the swept parameter X, with 95%
// confidence-interval error bars when Stat is "mean", and one series per
// combination of the other swept parameters (Ising |m| against T, one line
// per L). A "histogram" plot draws the distribution of Y's per-chunk
// estimates, one histogram per point unless the sweep has one point.
type PlotSpec struct {
	Name      string // file stem: Name.png, Name.svg; unique in the file
	Kind      string // "line" (default), "histogram" or "map"
	X         string // a swept parameter (line plots and maps)
	X2        string // a map's second swept parameter, on its vertical axis
	Y         string // an observable or derived quantity
	Stat      string // "mean" (default), "stderr", "sd" (√variance) or "variance"
	Reference string // optional: a ReferenceSpec name whose Of is Y
	Title     string // default: "<Y> against <X>"
	XLabel    string // default: X
	YLabel    string // default: Y (with Stat when not the mean)
	LogX      bool
	LogY      bool
	Bins      int      // histogram bins; 0 for automatic
	Formats   []string // subset of "png", "svg"; default both
}
