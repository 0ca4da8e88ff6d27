package report

import (
	"errors"
	"math"
	"testing"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

// checkCatalog holds one kernel, "k", whose observable u has the exact
// mean x/10, defined only for x ≤ 2, for the tests of Check.
type checkCatalog struct{ exact bool }

func (c checkCatalog) Lookup(name string) (sim.KernelSpec, bool) {
	if name != "k" {
		return sim.KernelSpec{}, false
	}
	return sim.KernelSpec{
		Name:        "k",
		Params:      []sim.ParamSpec{{Name: "x", Kind: sim.Int, Range: &sim.Range{Min: 0, Max: 10}}},
		Observables: []sim.ObservableSpec{{Name: "u"}},
		References: []sim.ReferenceSpec{{Name: "tenth", Of: "u", Exact: c.exact, Func: func(p sim.Params) float64 {
			if p.Int("x") > 2 {
				return math.NaN()
			}
			return float64(p.Int("x")) / 10
		}}},
	}, true
}

func (checkCatalog) Names() []string { return []string{"k"} }

func checkExperiment(t *testing.T, exact bool) *sim.Experiment {
	t.Helper()
	src := "kernel = \"k\"\nseed = 1\n[sweep]\nx = [1, 2, 3]\n[samples]\nsamples = 100\nchunks = 10\n"
	e, err := sim.Parse("k.toml", []byte(src), checkCatalog{exact})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestCheck(t *testing.T) {
	// A mean 6 standard errors from the exact value, its error from 10
	// chunks (9 df): P(|T₉| ≥ 6) = 2.0249932206764065e-04 (mpmath
	// betainc, 40 digits), tolerance 1e-12 relative. The reference is
	// NaN at x = 3: that point is skipped.
	e := checkExperiment(t, true)
	specs := e.Kernel.Params
	point := func(i, x int64, mean float64) PointResult {
		return PointResult{Index: i, Params: sim.NewParams(specs, []sim.Value{sim.IntValue(x)}),
			Stats: []stats.Stat{{Observable: "u", Mean: mean, StdErr: 0.01, DF: 9}}}
	}
	r := &Results{Points: []PointResult{point(0, 1, 0.1+6*0.01), point(1, 2, 0.2), point(2, 3, 7)}}
	devs, err := Check(e, r)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 {
		t.Fatalf("Check = %+v, want 2 deviations (x=3 has no exact value)", devs)
	}
	for i, want := range []struct {
		key   string
		z, df float64
		p     float64
	}{
		{"x=1", 6, 9, 2.0249932206764065e-04},
		{"x=2", 0, 9, 1},
	} {
		d := devs[i]
		if d.Key != want.key || math.Abs(d.Z-want.z) > 1e-9 || d.DF != want.df || math.Abs(d.P-want.p) > 1e-12*want.p {
			t.Errorf("deviation %d = %+v, want key %s, z %g, df %g, P %.16g", i, d, want.key, want.z, want.df, want.p)
		}
	}

	// Results that did not record the degrees of freedom (read as 0) are
	// judged on the normal: erfc(6/√2).
	r.Points[0].Stats[0].DF = 0
	if devs, err := Check(e, r); err != nil || devs[0].DF != math.Inf(1) || math.Abs(devs[0].P-math.Erfc(6/math.Sqrt2)) > 1e-12*devs[0].P {
		t.Errorf("Check without df: %+v, %v; want DF +Inf and P = erfc(6/√2)", devs, err)
	}

	if _, err := Check(checkExperiment(t, false), r); !errors.Is(err, ErrNoExact) {
		t.Errorf("Check of a kernel without exact values: %v, want ErrNoExact", err)
	}
}
