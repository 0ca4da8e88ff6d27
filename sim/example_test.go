package sim_test

import (
	"fmt"
	"math"

	"github.com/simrun/simrun/sim"
)

// catalog is a Catalog with one kernel.
type catalog map[string]sim.KernelSpec

func (c catalog) Lookup(name string) (sim.KernelSpec, bool) {
	k, ok := c[name]
	return k, ok
}

func (c catalog) Names() []string { return []string{"ising2d"} }

var exampleKernels = catalog{"ising2d": {
	Name: "ising2d",
	Params: []sim.ParamSpec{
		{Name: "L", Kind: sim.Int, Default: sim.IntValue(16), Range: &sim.Range{Min: 2, Max: 4096}},
		{Name: "T", Kind: sim.Float, Range: &sim.Range{Min: 0, Max: math.Inf(1)}},
		{Name: "coupling", Kind: sim.Float, Default: sim.FloatValue(1)},
	},
}}

func ExampleParse() {
	src := `
kernel = "ising2d"
seed = 20261125

[params]
coupling = 0.5

[sweep]
L = [8, 16, 32]
T = { linspace = [1.5, 3.5, 21] }

[samples]
samples = 1_000_000
chunk_size = 100_000
`
	e, err := sim.Parse("ising-demo.toml", []byte(src), exampleKernels)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e.Name, e.Output.Dir)
	fmt.Println("points:", e.NumPoints(), "chunks per point:", e.Budget.Chunks)
	for _, ax := range e.Axes() {
		fmt.Println("axis", ax.Names, ax.Len, ax.Desc)
	}
	for i := range int64(3) {
		fmt.Println(e.Point(i).Key)
	}
	fmt.Println(e.Point(e.NumPoints() - 1).Key)
	// Output:
	// ising-demo results/ising-demo
	// points: 63 chunks per point: 10
	// axis [L] 3 [8, 16, 32]
	// axis [T] 21 linspace(1.5, 3.5, 21)
	// L=8,T=1.5,coupling=0.5
	// L=8,T=1.6,coupling=0.5
	// L=8,T=1.7,coupling=0.5
	// L=32,T=3.5,coupling=0.5
}

func ExampleParse_errors() {
	src := `
kernel = "ising2d"
seed = 1

[params]
t = 2.0

[sweep]
L = [8, 16, 5000]

[samples]
samples = 1000
`
	_, err := sim.Parse("exp.toml", []byte(src), exampleKernels)
	fmt.Println(err)
	// Output:
	// sim: exp.toml:5: params.T: required parameter of kernel "ising2d" is not set; set it in [params], such as T = ..., or sweep it in [sweep]
	// sim: exp.toml:6: params.t: unknown parameter of kernel "ising2d"; did you mean "T"? valid: L, T, coupling
	// sim: exp.toml:9: sweep.L: index 2: is 5000, outside the valid range [2, 4096]
	// sim: exp.toml:11: samples: neither is set: set exactly one of chunk_size or chunks. chunk_size = N fixes the samples per chunk, so raising samples later adds chunks and leaves the existing ones unchanged; chunks = N fixes the chunks per point, and raising samples then changes every chunk
}
