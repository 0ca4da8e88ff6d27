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
