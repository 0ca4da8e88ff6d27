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
//
// A point is one 64-bit draw: its two 32-bit halves i and j place it at the
// centre of a cell of a 2³²×2³² grid, x = (i+½)/2³², y = (j+½)/2³², and the
// test x²+y² < 1 is done exactly in integers (see piOutside1). The grid's
// bias is below 2⁻²⁹ ≈ 2·10⁻⁹ in the estimate of π (the quarter circle
// crosses fewer than 2·2³² of the 2⁶⁴ cells): 4·10⁻⁵ standard errors at
// 10⁹ points. Runs of at least piLaneMin points are drawn from eight
// generators in lockstep, seeded from the chunk's stream, which the CPU
// computes side by side (AVX2 on amd64; plain Go elsewhere, with the same
// results).
type Pi struct{}

// Spec implements Kernel.
func (Pi) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "pi",
		// 1: one draw per point, eight lanes (2026-11); 0: two float64 draws per point.
		Version: 1,
		Doc:     "Monte Carlo estimate of pi: uniform points in the unit square, 4 x the fraction inside the quarter disc.",
		Params: []sim.ParamSpec{
			{Name: "n", Label: "points per sample n", Kind: sim.Int, Doc: "points per sample", Default: sim.IntValue(1), Range: &sim.Range{Min: 1, Max: 1 << 40}},
		},
		Observables: []sim.ObservableSpec{
			{Name: "pi", Label: "estimate of π", Doc: "4 x the fraction of the sample's n points inside the quarter disc; mean = pi, sd = sqrt(pi(4-pi)/n)", IID: true},
		},
		References: []sim.ReferenceSpec{
			{Name: "pi", Label: "π (exact)", Of: "pi", Doc: "the exact value", Exact: true, Func: func(sim.Params) float64 { return math.Pi }},
			{Name: "pi_sd", Label: "√(π(4 − π)/n) (exact)", Of: "pi", Stat: "sd", Doc: "exact standard deviation of one sample, sqrt(pi(4-pi)/n)", Exact: true,
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

// piLaneMin is the fewest points drawn through the eight lanes; below it,
// seeding them (32 draws) would cost more than it saves.
const piLaneMin = 256

// piLaneSpan is the most blocks of eight points one call of
// piOutsideLanes draws: about 0.25 ms.
const piLaneSpan = 1 << 16

// piHits counts the points inside the quarter disc, advancing r. From
// piLaneMin points on, it seeds eight lane generators with 32 draws of r
// (lane l's state is draws 4l … 4l+3), draws n/8 points from each, and the
// last n mod 8 points from r; below, all n from r. The generator is copied
// into a local so its state stays in registers.
func piHits(r *rng.Xoshiro256, n int64) int64 {
	g := *r
	var outside uint64
	tail := n
	if n >= piLaneMin {
		var s piLanes
		for l := range 8 {
			var w [4]uint64
			for k := range w {
				g, w[k] = g.Next()
			}
			w = rng.New(w).State() // as any generator: never the all-zero state
			for k := range w {
				s[k][l] = w[k]
			}
		}
		// In pieces of at most piLaneSpan blocks (a fraction of a
		// millisecond), because the runtime cannot preempt assembly: one
		// call for a chunk of 10⁹ points would hold off a garbage
		// collection, or a signal in a worker, for half a second.
		var out [8]uint64
		for blocks := uint64(n / 8); blocks > 0; {
			b := min(blocks, piLaneSpan)
			piOutsideLanes(&s, b, &out)
			for _, c := range out {
				outside += c
			}
			blocks -= b
		}
		tail = n % 8
	}
	var u uint64
	for range tail {
		g, u = g.Next()
		outside += piOutside1(u)
	}
	*r = g
	return n - int64(outside)
}
