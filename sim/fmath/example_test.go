package fmath_test

import (
	"fmt"

	"github.com/simrun/simrun/sim/fmath"
)

// Pow10 is what a logspace sweep's values are: the same bits on every
// CPU, so that a point's key, and with it its random streams, is too.
func ExamplePow10() {
	for _, x := range []float64{-3, -1.5, 0, 0.5} {
		fmt.Println(fmath.Pow10(x))
	}
	// Output:
	// 0.001
	// 0.0316227766016838
	// 1
	// 3.16227766016838
}
