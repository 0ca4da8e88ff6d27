// Command benchcoverage measures the coverage of the 95% confidence
// intervals of an adaptive budget ([samples.target]): the fraction of
// them that contain the exact value of the mean, over many seeds of a
// kernel whose means are known exactly. Stopping a point on its own data
// (stats.ReduceSequential) may lower the coverage below that of a fixed
// budget: a point stops when its estimated error happens to be small. It
// writes the figures to docs/performance.md, between the markers
//
//	<!-- benchcoverage:begin --> and <!-- benchcoverage:end -->
//
// of the section "Coverage of adaptive intervals" (added at the end of
// the file if it has no such block; -out "" prints them only). `make
// bench` runs it last, in about a minute on 2 cores:
//
//	go run ./bench/cmd/benchcoverage
//
// It measures a list of configurations (configurations), each the option
// kernel's call at a few strikes sampled to an absolute standard error:
// around the money in chunks of 1,000 samples, where each point takes
// several rounds; and deep out of the money in chunks of 5,000, with a
// target about the standard error of the first round, so that whether a
// point stops after it depends on its data. Each runs at seeds 1 to
// -seeds (default 400) in process (engine.Run with Options.InProcess, one
// seed a goroutine on as many goroutines as there are CPUs, -workers),
// each run in a new directory of a temporary one removed at the end.
// Then the same file with a fixed budget, no target and the samples a
// point of the adaptive runs had on average (rounded to whole chunks),
// runs at the same seeds.
//
// An interval covers when CILow ≤ exact ≤ CIHigh, for the targeted
// statistic (the call), the exact value being the kernel's reference
// (black_scholes_call) as `simrun check` evaluates it (report.Check).
// Each configuration's subsection gives, for each point and for all
// together, the coverage of the adaptive and of the fixed runs with its
// binomial standard error √(p(1−p)/n), the adaptive runs' mean samples and
// rounds, and the difference of the two coverages paired by seed; the
// adaptive coverage by the rounds a point took, with the fraction of seeds
// that took them; and, where the configuration asks for it
// (configuration.byPrefix), by the prefix each point stopped at. Every
// figure comes from the runs.
//
// -quick runs 40 seeds, to try the harness: give it -out elsewhere.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"

	"github.com/simrun/simrun/bench/internal/benchkit"
	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/kernels"
)

var en = engine.New(kernels.Builtin())

const (
	beginMarker = "<!-- benchcoverage:begin -->"
	endMarker   = "<!-- benchcoverage:end -->"
	heading     = "## Coverage of adaptive intervals"

	defaultSeeds = 400
	quickSeeds   = 40
)

// options are the command's flags.
type options struct {
	seeds   int
	workers int
	out     string
	tmp     string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("benchcoverage: ")
	en.Serve()
	var c options
	var quick bool
	flag.IntVar(&c.seeds, "seeds", defaultSeeds, "run the experiment at seeds 1 to `N`")
	flag.IntVar(&c.workers, "workers", runtime.NumCPU(), "run `N` seeds at a time, each in process on one goroutine")
	flag.StringVar(&c.out, "out", "docs/performance.md", "the Markdown `file` whose benchcoverage block is rewritten; \"\" for none")
	flag.BoolVar(&quick, "quick", false, fmt.Sprintf("-seeds %d unless given: to try the harness, not to measure", quickSeeds))
	flag.String("png", "", "ignored: accepted so that make bench's BENCHFLAGS serve every bench command")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments %q", flag.Args())
	}
	if quick {
		set := false
		flag.Visit(func(f *flag.Flag) { set = set || f.Name == "seeds" })
		if !set {
			c.seeds = quickSeeds
		}
	}
	if c.seeds < 2 || c.workers < 1 {
		log.Fatalf("-seeds %d -workers %d: want at least 2 seeds (a standard error) and 1 worker", c.seeds, c.workers)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	tmp, err := os.MkdirTemp("", "benchcoverage-")
	if err != nil {
		log.Fatal(err)
	}
	c.tmp = tmp
	m, err := measure(ctx, &c, configurations())
	os.RemoveAll(tmp)
	if err != nil {
		log.Fatal(err)
	}
	block := render(&c, m)
	fmt.Print(block)
	if c.out != "" {
		if err := benchkit.WriteBlock(c.out, beginMarker, endMarker, heading, block); err != nil {
			log.Fatal(err)
		}
		log.Printf("wrote %s", c.out)
	}
}
