package sim

import (
	"strings"
	"unicode/utf8"
)

// DerivedSpec declares a quantity a kernel derives from the means of its
// observables, such as the specific heat N(⟨e²⟩−⟨e⟩²)/T² of the Ising
// model. Its estimate is Func at the point's overall means; its standard
// error comes from the spread of Func over the chunks' own means (each
// chunk is an independent replica), as batch means.
type DerivedSpec struct {
	Name string
	Doc  string
	// Label is the quantity's name in figures; "" for Name.
	Label string
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
	// Label is what a figure's legend calls it: "Onsager (exact)",
	// "Black–Scholes"; "" for Name.
	Label string
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
	Title     string // default: "<YLabel> against <XLabel>"
	XLabel    string // default: X's label (ParamSpec.Label)
	YLabel    string // default: Y's label, with Stat when not the mean
	LogX      bool
	LogY      bool
	// Residuals asks for a panel under a line plot with a reference: the
	// residuals (mean − reference)/stderr at each point.
	Residuals bool
	Bins      int      // histogram bins; 0 for automatic
	Formats   []string // subset of "png", "svg"; default both
}

// ParamLabel returns the Label of the named parameter, or name when it
// has none (or k is nil, or there is no such parameter).
func (k *KernelSpec) ParamLabel(name string) string {
	if k != nil {
		if p, ok := k.Param(name); ok && p.Label != "" {
			return p.Label
		}
	}
	return name
}

// ParamSymbol returns what a figure's legend calls the named parameter,
// as in "σ = 0.2": the last word of its Label when that word is at most
// three characters long (T in "temperature T", σ in "volatility σ", S₀),
// and name otherwise.
func (k *KernelSpec) ParamSymbol(name string) string {
	lbl := k.ParamLabel(name)
	words := strings.Fields(lbl)
	if len(words) == 0 {
		return name
	}
	if last := words[len(words)-1]; utf8.RuneCountInString(last) <= 3 {
		return last
	}
	return name
}

// QuantityLabel returns the Label of the named observable or derived
// quantity, or name when it has none (or k is nil, or there is none of
// that name).
func (k *KernelSpec) QuantityLabel(name string) string {
	if k == nil {
		return name
	}
	for _, o := range k.Observables {
		if o.Name == name && o.Label != "" {
			return o.Label
		}
	}
	for _, d := range k.Derived {
		if d.Name == name && d.Label != "" {
			return d.Label
		}
	}
	return name
}

// ReferenceLabel returns the Label of the named reference, or name when
// it has none (or k is nil, or there is no such reference).
func (k *KernelSpec) ReferenceLabel(name string) string {
	if k != nil {
		for _, r := range k.References {
			if r.Name == name && r.Label != "" {
				return r.Label
			}
		}
	}
	return name
}
