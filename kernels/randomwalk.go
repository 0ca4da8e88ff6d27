package kernels

import (
	"math"
	"math/bits"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// maxDim bounds the random walk's dimension so its position fits in a
// fixed-size array on the stack.
const maxDim = 16

// RandomWalk is the simple random walk on the d-dimensional hypercubic
// lattice: each of T steps moves ±1 along one of the d axes, all 2d moves
// equally likely. Each sample records the squared end-to-end distance,
// whose mean is exactly T in every dimension, and the first coordinate.
type RandomWalk struct{}

// Spec implements Kernel.
func (RandomWalk) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "randomwalk",
		Doc:  "Simple random walk on the d-dimensional lattice; the mean squared displacement after T steps is T.",
		Params: []sim.ParamSpec{
			{Name: "d", Label: "dimension d", Kind: sim.Int, Doc: "dimension", Default: sim.IntValue(1), Range: &sim.Range{Min: 1, Max: maxDim}},
			{Name: "steps", Label: "steps T", Kind: sim.Int, Doc: "number of steps T", Range: &sim.Range{Min: 0, Max: 1 << 40}},
		},
		Observables: []sim.ObservableSpec{
			{Name: "r2", Label: "squared displacement r²", Doc: "squared distance from the origin after T steps; mean = T", IID: true},
			{Name: "x1", Label: "first coordinate x₁", Doc: "first coordinate after T steps; mean = 0", IID: true},
		},
		References: []sim.ReferenceSpec{{Name: "msd", Label: "⟨r²⟩ = T (exact)", Of: "r2", Doc: "exact mean squared displacement: T", Exact: true, Func: func(p sim.Params) float64 { return float64(p.Int("steps")) }}},
	}
}

// New implements Kernel.
func (RandomWalk) New(p sim.Params) (Sampler, error) {
	return walkSampler{d: int(p.Int("d")), steps: p.Int("steps")}, nil
}

type walkSampler struct {
	d     int
	steps int64
}

func (w walkSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	for range n {
		var x [maxDim]int64
		if w.d == 1 {
			x[0] = walk1(r, w.steps)
		} else {
			walkD(r, w.steps, x[:w.d])
		}
		var r2 float64
		for _, xi := range x[:w.d] {
			r2 += float64(float64(xi) * float64(xi)) // unfused, as in sim.Acc
		}
		obs[0].Add(r2)
		obs[1].Add(float64(x[0]))
	}
}

// walk1 returns the end point of a one-dimensional walk: each random bit is
// one step, so 64 steps cost one draw and a popcount.
func walk1(r *rng.Xoshiro256, steps int64) int64 {
	var up int64
	left := steps
	for left >= 64 {
		up += int64(bits.OnesCount64(r.Uint64()))
		left -= 64
	}
	if left > 0 {
		up += int64(bits.OnesCount64(r.Uint64() >> (64 - left)))
	}
	return 2*up - steps
}

// walkD moves along a uniformly chosen axis and direction at each step.
func walkD(r *rng.Xoshiro256, steps int64, x []int64) {
	m := uint64(2 * len(x))
	for range steps {
		v := r.Uint64n(m)
		x[v>>1] += int64(v&1)*2 - 1
	}
}

// Spin is a calibration kernel: each sample draws work uniforms and records
// their mean, whose expectation is 1/2. Its cost per sample is linear in
// work, which makes it the load for measuring scheduling overhead.
type Spin struct{}

// Spec implements Kernel.
func (Spin) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "spin",
		Doc:  "Calibration load: each sample averages `work` uniform draws (mean 1/2); cost is linear in work.",
		Params: []sim.ParamSpec{
			{Name: "work", Label: "uniform draws per sample", Kind: sim.Int, Doc: "uniform draws per sample (0 records 1/2 without drawing)", Default: sim.IntValue(1), Range: &sim.Range{Min: 0, Max: math.MaxInt32}},
		},
		Observables: []sim.ObservableSpec{
			{Name: "u", Label: "mean of the uniform draws", Doc: "mean of the sample's uniform draws; mean = 1/2", IID: true},
		},
	}
}

// New implements Kernel.
func (Spin) New(p sim.Params) (Sampler, error) { return spinSampler{work: p.Int("work")}, nil }

type spinSampler struct{ work int64 }

func (s spinSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	if s.work == 0 {
		obs[0].Merge(sim.Acc{N: n, Mean: 0.5, Min: 0.5, Max: 0.5})
		return
	}
	g := *r
	var u uint64
	for range n {
		sum := 0.0
		for range s.work {
			g, u = g.Next()
			sum += rng.Unit(u)
		}
		obs[0].Add(sum / float64(s.work))
	}
	*r = g
}
