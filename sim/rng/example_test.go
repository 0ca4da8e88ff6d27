package rng_test

import (
	"fmt"

	"github.com/simrun/simrun/sim/rng"
)

// A generator is a value: a kernel copies it into a local, draws, and
// stores it back, so its state stays in registers. The same seed gives
// the same stream on every machine.
func ExampleXoshiro256() {
	r := rng.FromSeed(42)
	fmt.Println(r.Uint64(), r.Uint64n(6)+1, r.Float64())
	// Output:
	// 15021278609987233951 2 0.9838941681774888
}
