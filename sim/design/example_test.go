package design_test

import (
	"fmt"

	"github.com/simrun/simrun/sim/design"
)

// The first points of a plain Sobol design in two dimensions: each
// power-of-two prefix fills the square evenly, and the points of a design
// of 4 points are the first 4 of one of 8.
func ExampleNew() {
	d, err := design.New(design.Sobol, 2, 8, false, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range d.Len() {
		fmt.Printf("(%v, %v) ", d.At(i, 0), d.At(i, 1))
	}
	fmt.Println()
	// Output:
	// (0, 0) (0.5, 0.5) (0.75, 0.25) (0.25, 0.75) (0.375, 0.375) (0.875, 0.875) (0.625, 0.125) (0.125, 0.625)
}

// A Latin hypercube of 4 points: each quarter of each axis holds one point.
func ExampleNew_latinHypercube() {
	d, err := design.New(design.LatinHypercube, 2, 4, false, 7)
	if err != nil {
		fmt.Println(err)
		return
	}
	for j := range d.Dims() {
		var quarters []int
		for i := range d.Len() {
			quarters = append(quarters, int(d.At(i, j)*4))
		}
		fmt.Println(quarters)
	}
	// Output:
	// [0 1 3 2]
	// [2 1 0 3]
}
