package sim

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// fakeCatalog is a Catalog of the kernels the tests use.
type fakeCatalog map[string]KernelSpec

func (c fakeCatalog) Lookup(name string) (KernelSpec, bool) {
	k, ok := c[name]
	return k, ok
}

func (c fakeCatalog) Names() []string {
	var names []string
	for n := range c {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// testCatalog has "ising2d", whose parameters cover every kind, range and
// choice rule, with observables, a derived quantity and a reference for
// figures, and "pi", which has none of these.
var testCatalog = fakeCatalog{
	"ising2d": {
		Name: "ising2d",
		Doc:  "2D Ising model on an L×L torus",
		Params: []ParamSpec{
			{Name: "L", Kind: Int, Doc: "side length", Default: IntValue(16), Range: &Range{Min: 2, Max: 4096}},
			{Name: "T", Kind: Float, Doc: "temperature", Range: &Range{Min: 0, Max: math.Inf(1)}},
			{Name: "coupling", Kind: Float, Default: FloatValue(1)},
			{Name: "flag", Kind: Bool, Default: BoolValue(false)},
			{Name: "method", Kind: String, Default: StringValue("metropolis"), Choices: []string{"metropolis", "wolff"}},
		},
		Observables: []ObservableSpec{
			{Name: "m", Doc: "|magnetisation| per spin"},
			{Name: "e", Doc: "energy per spin"},
			{Name: "e2", Doc: "squared energy per spin"},
		},
		Derived: []DerivedSpec{{
			Name: "specific_heat",
			Doc:  "N(⟨e²⟩−⟨e⟩²)/T²",
			Of:   []string{"e", "e2"},
			Func: func(p Params, means []float64) float64 {
				l, t := float64(p.Int("L")), p.Float("T")
				return l * l * (means[1] - means[0]*means[0]) / (t * t)
			},
		}},
		References: []ReferenceSpec{{
			Name: "e_sd",
			Doc:  "a made-up standard deviation of e, for the tests",
			Of:   "e",
			Stat: "sd",
			Func: func(p Params) float64 { return 1 / float64(p.Int("L")) },
		}, {
			Name: "onsager_m",
			Doc:  "Onsager's spontaneous magnetisation of the infinite lattice",
			Of:   "m",
			Func: func(p Params) float64 {
				t := p.Float("T")
				if t >= 2/math.Log(1+math.Sqrt2) {
					return 0
				}
				return math.Pow(1-math.Pow(math.Sinh(2/t), -4), 0.125)
			},
		}},
	},
	"pi": {Name: "pi", Doc: "estimates π by rejection"},
}

// fileErrors returns the *Error values in err, unwrapping joins, and fails
// the test if err holds anything else.
func fileErrors(t testing.TB, err error) []*Error {
	t.Helper()
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		t.Fatalf("error %q (%T) is neither a *Error nor a join of them", err, err)
	}
	walk(err)
	if len(out) == 0 {
		t.Fatalf("error %q holds no *Error", err)
	}
	for _, e := range out {
		if !strings.HasPrefix(e.Error(), "sim: ") {
			t.Errorf("error %q lacks the \"sim: \" prefix", e)
		}
	}
	return out
}

// findError returns the *Error in err at line and key whose message
// contains hint, or nil; it fails the test as fileErrors does.
func findError(t testing.TB, err error, line int, key, hint string) *Error {
	t.Helper()
	for _, fe := range fileErrors(t, err) {
		if fe.Line == line && fe.Key == key && strings.Contains(fe.Msg, hint) {
			return fe
		}
	}
	return nil
}
