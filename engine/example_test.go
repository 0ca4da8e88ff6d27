package engine_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
)

const walk = `
kernel = "randomwalk"
seed = 42
[params]
d = 2
[sweep]
steps = [10, 100]
[samples]
samples = 20_000
chunk_size = 2_000
`

// load writes src as an experiment file into a new temporary directory and
// loads it with en.
func load(en *engine.Engine, src string) (*sim.Experiment, string) {
	dir, err := os.MkdirTemp("", "engine")
	if err != nil {
		log.Fatal(err)
	}
	file := filepath.Join(dir, "walk.toml")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		log.Fatal(err)
	}
	e, err := en.Load(file)
	if err != nil {
		log.Fatal(err)
	}
	return e, dir
}

// Running an experiment without the command line: load a file against a
// registry of kernels, run it into a directory, and read the statistics
// back as values. The random walk's mean squared displacement is exactly
// the number of steps.
func ExampleEngine_Run() {
	en := engine.New(kernels.Builtin())
	e, dir := load(en, walk)
	defer os.RemoveAll(dir)
	// InProcess runs the chunks on goroutines: the same bytes as worker
	// processes, which need en.Serve() first in main.
	out, err := en.Run(context.Background(), e, engine.Options{Dir: filepath.Join(dir, "out"), Workers: 2, InProcess: true})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range out.Results.Points {
		r2 := p.Stats[0]
		fmt.Printf("%s: %s = %.2f ± %.2f\n", p.Params.Key(), r2.Observable, r2.Mean, r2.StdErr)
	}
	fmt.Printf("%d of %d chunks\n", out.Done, out.Total)
	// Output:
	// d=2,steps=10: r2 = 9.97 ± 0.07
	// d=2,steps=100: r2 = 100.24 ± 0.70
	// 20 of 20 chunks
}

// Verify reruns chunks of a finished run and compares them bit for bit.
func ExampleEngine_Verify() {
	en := engine.New(kernels.Builtin())
	e, dir := load(en, walk)
	defer os.RemoveAll(dir)
	out, err := en.Run(context.Background(), e, engine.Options{Dir: filepath.Join(dir, "out"), InProcess: true})
	if err != nil {
		log.Fatal(err)
	}
	v, err := en.Verify(out.Dir, -1) // every chunk
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d of %d chunks rerun, %d differ\n", v.Checked, v.Completed, len(v.Mismatches))
	// Output:
	// 20 of 20 chunks rerun, 0 differ
}
