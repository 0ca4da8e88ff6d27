package report

import (
	"math"
	"slices"
	"testing"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

func TestCompare(t *testing.T) {
	specs := []sim.ParamSpec{{Name: "x", Kind: sim.Int}}
	point := func(x int64, ss ...stats.Stat) PointResult {
		return PointResult{Index: x, Params: sim.NewParams(specs, []sim.Value{sim.IntValue(x)}), Stats: ss}
	}
	st := func(obs string, mean, se float64) stats.Stat {
		return stats.Stat{Observable: obs, Mean: mean, StdErr: se}
	}
	nan := math.NaN()
	a := &Results{Points: []PointResult{
		point(1, st("u", 1.0, 0.3), st("v", 5, 0)),
		point(2, st("u", 2.0, 0.1), st("w", 1, nan)),
		point(3, st("u", 0, 1)),
	}}
	b := &Results{Points: []PointResult{
		point(4, st("u", 0, 1)),
		point(2, st("u", 1.5, 0.1*math.Sqrt(3)), st("w", 1, 0.5)), // z = 0.5/0.2 = 2.5
		point(1, st("u", 1.0, 0.4), st("v", 6, 0)),                // u: z = 0; v: exact and different
	}}
	diffs, onlyA, onlyB := Compare(a, b)
	if !slices.Equal(onlyA, []string{"x=3"}) || !slices.Equal(onlyB, []string{"x=4"}) {
		t.Errorf("only in A %v, only in B %v; want [x=3] and [x=4]", onlyA, onlyB)
	}
	type got struct {
		key, obs string
		z        float64
	}
	var gots []got
	for _, d := range diffs {
		gots = append(gots, got{d.Key, d.Observable, d.Z})
	}
	want := []got{{"x=1", "u", 0}, {"x=1", "v", math.Inf(-1)}, {"x=2", "u", 2.5}, {"x=2", "w", nan}}
	if len(gots) != len(want) {
		t.Fatalf("Compare = %v, want %v", gots, want)
	}
	for i := range want {
		g, w := gots[i], want[i]
		if g.key != w.key || g.obs != w.obs || !(g.z == w.z || math.IsNaN(g.z) && math.IsNaN(w.z) || math.Abs(g.z-w.z) < 1e-12) {
			t.Errorf("difference %d = %+v, want %+v (in a's order)", i, g, w)
		}
	}
}

func TestCompareDegreesOfFreedom(t *testing.T) {
	// The difference of two batch means of 10 chunks each (9 df) with
	// equal standard errors has Welch–Satterthwaite ν = 18 (worked in
	// stats' TestWelchDF), and P its two-sided Student's t tail,
	// P(|T₁₈| ≥ 6) = 1.126997110600787e-05 (mpmath betainc, 40 digits);
	// with many samples, the normal's erfc(6/√2). An exact
	// (zero-error) mean leaves the other's df; without standard errors
	// there is no df and no P. Tolerance 1e-12 relative.
	specs := []sim.ParamSpec{{Name: "x", Kind: sim.Int}}
	params := sim.NewParams(specs, []sim.Value{sim.IntValue(1)})
	st := func(obs string, mean, se, df float64) stats.Stat {
		return stats.Stat{Observable: obs, Mean: mean, StdErr: se, DF: df}
	}
	nan := math.NaN()
	a := &Results{Points: []PointResult{{Params: params, Stats: []stats.Stat{
		st("chunks10", 0, 1, 9), st("iid", 0, 1, 1e6), st("exact", 1, 0, 4), st("none", 1, nan, nan),
	}}}}
	b := &Results{Points: []PointResult{{Params: params, Stats: []stats.Stat{
		st("chunks10", 6*math.Sqrt2, 1, 9), st("iid", 6*math.Sqrt2, 1, 1e6), st("exact", 1+6*0.5, 0.5, 7), st("none", 2, 1, 9),
	}}}}
	diffs, _, _ := Compare(a, b)
	for i, want := range []struct {
		obs   string
		z, df float64
		p     float64
	}{
		{"chunks10", -6, 18, 1.126997110600787e-05},
		{"iid", -6, 2e6, math.Erfc(6 / math.Sqrt2)},
		{"exact", -6, 7, 5.4225834200281011e-04}, // P(|T₇| ≥ 6), mpmath betainc
		{"none", nan, nan, nan},
	} {
		d := diffs[i]
		close := func(got, want float64) bool {
			return got == want || math.IsNaN(got) && math.IsNaN(want) || math.Abs(got-want) <= 1e-12*math.Abs(want)
		}
		if d.Observable != want.obs || !close(d.Z, want.z) || !close(d.DF, want.df) || !close(d.P, want.p) {
			t.Errorf("%s: z = %g, df = %g, P = %.16g; want z = %g, df = %g, P = %.16g", d.Observable, d.Z, d.DF, d.P, want.z, want.df, want.p)
		}
	}
}
