package buildinfo_test

import (
	"fmt"

	"github.com/simrun/simrun/buildinfo"
)

// Read says what built the running binary (here, the test binary of
// simrun's own module) and which module provides a package: what
// results.json records of a run and its kernel.
func ExampleRead() {
	b := buildinfo.Read()
	fmt.Println(b.Module)
	fmt.Println(b.ModuleOf("github.com/simrun/simrun/kernels"))
	// Output:
	// github.com/simrun/simrun
	// github.com/simrun/simrun
}
