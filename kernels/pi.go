package kernels

import (
	"math"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// Pi estimates π by drawing points uniformly in the unit square and
// counting those inside the quarter disc x²+y² < 1. A sample is n points
// and records 4·inside/n, whose mean is π and variance π(4−π)/n: sweeping
// n shows the 1/√n convergence of the estimate.
type Pi struct{}

// Spec implements Kernel.
func (Pi) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "pi",
		Doc:  "Monte Carlo estimate of pi: uniform points in the unit square, 4 x the fraction inside the quarter disc.",
		Params: []sim.ParamSpec{
			{Name: "n", Kind: sim.Int, Doc: "points per sample", Default: sim.IntValue(1), Range: &sim.Range{Min: 1, Max: 1 << 40}},
		},
		Observables: []sim.ObservableSpec{
			{Name: "pi", Doc: "4 x the fraction of the sample's n points inside the quarter disc; mean = pi, sd = sqrt(pi(4-pi)/n)", IID: true},
		},
		References: []sim.ReferenceSpec{
			{Name: "pi", Of: "pi", Doc: "the exact value", Func: func(sim.Params) float64 { return math.Pi }},
			{Name: "pi_sd", Of: "pi", Stat: "sd", Doc: "exact standard deviation of one sample, sqrt(pi(4-pi)/n)",
				Func: func(p sim.Params) float64 { return math.Sqrt(math.Pi * (4 - math.Pi) / float64(p.Int("n"))) }},
		},
	}
}

// New implements Kernel.
func (Pi) New(p sim.Params) (Sampler, error) { return piSampler{points: p.Int("n")}, nil }

type piSampler struct{ points int64 }

func (s piSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	if s.points == 1 {
		// Each sample is 0 or 4: the summary of n of them is exact.
		obs[0].Merge(sim.Binary(n, piHits(r, n), 0, 4))
		return
	}
	scale := 4 / float64(s.points)
	for range n {
		obs[0].Add(float64(piHits(r, s.points)) * scale)
	}
}

// piHits counts the points inside the quarter disc. The generator is copied
// into a local so its state stays in registers, and the count is taken from
// the sign bit of x²+y²−1 so the loop has no data-dependent branch.
func piHits(r *rng.Xoshiro256, n int64) int64 {
	g := *r
	var hits uint64
	var u, v uint64
	for range n {
		g, u = g.Next()
		g, v = g.Next()
		x, y := rng.Unit(u), rng.Unit(v)
		hits += math.Float64bits(float64(x*x)+float64(y*y)-1) >> 63 // no fused multiply-add: same bits on every CPU
	}
	*r = g
	return int64(hits)
}
