package kernels_test

import (
	"fmt"
	"math"

	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// Dice is a kernel written outside this package: the mean of a roll of a
// fair die with the given number of sides, whose exact value is (sides+1)/2.
type Dice struct{}

func (Dice) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "dice",
		Doc:  "One roll of a fair die per sample.",
		Params: []sim.ParamSpec{
			{Name: "sides", Kind: sim.Int, Doc: "faces of the die", Default: sim.IntValue(6), Range: &sim.Range{Min: 2, Max: 1 << 20}},
		},
		Observables: []sim.ObservableSpec{
			{Name: "roll", Doc: "the face rolled; mean (sides+1)/2", IID: true},
		},
		References: []sim.ReferenceSpec{
			{Name: "exact", Of: "roll", Doc: "(sides+1)/2", Func: func(p sim.Params) float64 { return float64(p.Int("sides")+1) / 2 }},
		},
	}
}

// New reads the parameters once per point, so that Sample does not.
func (Dice) New(p sim.Params) (kernels.Sampler, error) {
	return diceSampler{sides: uint64(p.Int("sides"))}, nil
}

type diceSampler struct{ sides uint64 }

// Sample draws only from r and allocates nothing: a chunk's result is a
// function of its stream.
func (d diceSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	for range n {
		obs[0].Add(float64(1 + r.Uint64n(d.sides)))
	}
}

// A kernel is a type with a Spec and a New; registered in a Registry, it
// can be named by experiment files. What simrun run does with each chunk
// is, in short: derive the chunk's stream from the seed, the point's key
// and the chunk index, and call Sample with zeroed accumulators.
func ExampleRegistry() {
	var reg kernels.Registry
	reg.Register(Dice{})

	src := `
kernel = "dice"
seed = 7
[sweep]
sides = [6, 20]
[samples]
samples = 100_000
chunk_size = 100_000
`
	e, err := sim.Parse("dice.toml", []byte(src), &reg)
	if err != nil {
		fmt.Println(err)
		return
	}
	k, _ := reg.Kernel(e.Kernel.Name)
	for i := range e.NumPoints() {
		pt := e.Point(i)
		s, err := k.New(pt.Params)
		if err != nil {
			fmt.Println(err)
			return
		}
		obs := make([]sim.Acc, 1)
		r := sim.ChunkRand(e.Seed, pt.Key, 0)
		s.Sample(&r, e.Budget.ChunkSamples(0), obs)
		exact := float64(pt.Params.Int("sides")+1) / 2
		se := math.Sqrt(obs[0].Variance() / float64(obs[0].N))
		fmt.Printf("%s: mean %.4f ± %.4f, exact %.1f\n", pt.Key, obs[0].Mean, se, exact)
	}
	// Output:
	// sides=6: mean 3.5072 ± 0.0054, exact 3.5
	// sides=20: mean 10.5047 ± 0.0183, exact 10.5
}
