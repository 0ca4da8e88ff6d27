package cli_test

import (
	"context"
	"os"

	"github.com/simrun/simrun/cli"
	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// Dice is a researcher's kernel: one roll of a fair die per sample.
type Dice struct{}

func (Dice) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name:   "dice",
		Doc:    "One roll of a fair die per sample.",
		Params: []sim.ParamSpec{{Name: "sides", Kind: sim.Int, Doc: "faces of the die", Default: sim.IntValue(6), Range: &sim.Range{Min: 2, Max: 1 << 20}}},
		Observables: []sim.ObservableSpec{
			{Name: "roll", Doc: "the face rolled", IID: true},
		},
	}
}

func (Dice) New(p sim.Params) (kernels.Sampler, error) { return dice(p.Int("sides")), nil }

type dice uint64

func (d dice) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	for range n {
		obs[0].Add(float64(1 + r.Uint64n(uint64(d))))
	}
}

// A researcher's own simrun is one line, cli.Main(Dice{}), which also
// serves as the worker processes. Run is the same command without the
// process: here, the dice kernel beside the built-in ones.
func ExampleRun() {
	en := engine.New(kernels.Builtin(Dice{}))
	code := cli.Run(context.Background(), en, []string{"kernels", "dice"}, os.Stdout, os.Stderr)
	if code != 0 {
		os.Exit(code)
	}
	// Output:
	// dice
	//     One roll of a fair die per sample.
	//   parameters:
	//     sides  int  default 6  in [2, 1048576]  faces of the die
	//   observables:
	//     roll  the face rolled  (error: iid samples)
}
