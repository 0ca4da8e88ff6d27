package kernels

import (
	"math"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// Pi estimates π by drawing points uniformly in the unit square and
// counting those inside the quarter disc x²+y² < 1. Each sample records
// 4·[inside], whose mean is π and variance π(4−π).
type Pi struct{}

// Spec implements Kernel.
func (Pi) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "pi",
		Doc:  "Monte Carlo estimate of pi: uniform points in the unit square, 4 x the fraction inside the quarter disc.",
		Observables: []sim.ObservableSpec{
			{Name: "pi", Doc: "4 if the point falls inside the quarter disc, else 0; mean = pi", IID: true},
		},
	}
}

// New implements Kernel.
func (Pi) New(sim.Params) (Sampler, error) { return piSampler{}, nil }

type piSampler struct{}

func (piSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	obs[0].Merge(sim.Binary(n, piHits(r, n), 0, 4))
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
