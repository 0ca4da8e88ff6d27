package birthday_test

import (
	"fmt"
	"math"

	"example.com/birthday/birthday"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
)

// What simrun does with one chunk of the kernel, in short: parse the
// experiment against a registry that holds the kernel, bind a point with
// New, and call Sample with the chunk's own stream (derived from the seed,
// the point's key and the chunk index) and a zeroed accumulator.
func ExampleKernel() {
	var reg kernels.Registry
	reg.Register(birthday.Kernel{})

	src := `
kernel = "birthday"
seed = 1
[sweep]
people = [10, 23, 50]
[samples]
samples = 100_000
chunk_size = 100_000
`
	e, err := sim.Parse("birthday.toml", []byte(src), &reg)
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
		exact := birthday.Exact(pt.Params.Int("people"), pt.Params.Int("days"))
		se := math.Sqrt(obs[0].Variance() / float64(obs[0].N))
		fmt.Printf("%s: shared %.4f ± %.4f, exact %.4f\n", pt.Key, obs[0].Mean, se, exact)
	}
	// Output:
	// days=365,people=10: shared 0.1168 ± 0.0010, exact 0.1169
	// days=365,people=23: shared 0.5064 ± 0.0016, exact 0.5073
	// days=365,people=50: shared 0.9697 ± 0.0005, exact 0.9704
}
