//go:build linux

// Command benchscale measures simrun at the sizes of issue 14: a sweep of
// a million points, and ten million chunks of one point, each run once,
// and a Python peer of the sweep in the same run. It writes the figures,
// the targets met or missed, the machine and the commands to
// docs/performance.md, between the markers
//
//	<!-- benchscale:begin --> and <!-- benchscale:end -->
//
// of the section "Sweeps of a million points" (added at the end of the
// file if it has no such block; -out "" prints them only; -doc is another
// name for -out). `make bench` runs it after benchmerge, in about 3
// minutes on 2 cores:
//
//	go run ./bench/cmd/benchscale -simrun bin/simrun -python /usr/bin/python3
//
// The measurements, in this order, each command once, in a temporary
// directory removed at the end (-keep keeps it):
//
//   - the sweep: the option kernel (antithetic, S0 = 100, r = 0.05,
//     σ = 0.2, T = 1) with the strike K swept over linspace(50, 150,
//     -points), 10 samples a point in one chunk. `simrun run --out DIR
//     FILE` with the default workers: its wall time and peak RSS (targets
//     5 s and 500 MB); the size of every file in DIR after it (all
//     together: 400 MB); `simrun report DIR` (5 s); and `simrun run --out
//     DIR FILE` again on the finished run, which has nothing to compute
//     (2 s; benchscale checks that the journal did not grow).
//   - the Python peer, bench/python/scale_sweep.py: the same sweep with
//     multiprocessing.Pool.map on as many workers as there are CPUs, numpy
//     and a pandas DataFrame written with to_csv (the csv module when
//     pandas is missing, which the table then says). Its wall time and
//     peak RSS, measured as simrun's; no target, a comparison.
//   - many chunks: the spin kernel with work = 0, -chunks one-sample chunks
//     of one point. Wall time (target: no slower than the 6.4 s measured
//     before issue 14's work) and the parent's peak RSS (100 MB).
//   - trivial chunks end to end: `go test -bench
//     BenchmarkChunks/trivial/process` of ./engine, -count 5 (-benchcount),
//     its median chunks/s (target: 1.5 M/s), with the go command -go.
//
// Wall time is the process from start to exit. Peak RSS is getrusage's
// ru_maxrss after wait4, what `/usr/bin/time -v` reports: the largest of
// the process and the children it reaped (simrun's workers, Python's
// pool), not their sum; the parent's own VmHWM, polled from /proc every
// 5 ms, is given beside it. os/exec starts a child with vfork, so Linux
// counts this program's RSS at the exec into the child's maximum:
// benchscale reads the outputs in small blocks to keep that negligible,
// and the block gives its own peak.
//
// -points and -chunks set the sizes, -quick sets them to 10,000 and
// 100,000 to try the harness; the targets are for the default sizes only,
// and a block measured at others says so.
//
// It builds on Linux only, as benchkit.Run does.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/simrun/simrun/bench/internal/benchkit"
)

// The sizes of issue 14 and its targets.
const (
	defaultPoints = 1_000_000
	defaultChunks = 10_000_000
	quickPoints   = 10_000
	quickChunks   = 100_000

	runWallTarget    = 5 * time.Second
	runRSSTarget     = 500e6 // bytes
	reportWallTarget = 5 * time.Second
	rerunWallTarget  = 2 * time.Second
	outputsTarget    = 400e6 // bytes, all the files of the run's directory
	chunksWallBefore = 6400 * time.Millisecond
	chunksRSSTarget  = 100e6 // bytes, the parent's VmHWM
	trivialTarget    = 1.5e6 // chunks/s, BenchmarkChunks/trivial/process

	trivialPattern = "^BenchmarkChunks$/^trivial$/^process$"
	trivialName    = "Chunks/trivial/process"
)

// The experiment files, written into the temporary directory.
const (
	sweepName  = "scale.toml"
	chunksName = "scale_chunks.toml"
)

const (
	beginMarker = "<!-- benchscale:begin -->"
	endMarker   = "<!-- benchscale:end -->"
)

type config struct {
	simrun, python, script string
	goCmd                  string // for the go test benchmark
	benchCount             int    // its -count
	out                    string
	points, chunks         int
	workers                int // the Python peer's; simrun runs its default, runtime.NumCPU()
	repeat                 int // runs of each timed simrun run, of which the median counts
	keep                   bool
	tmp                    string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("benchscale: ")
	var c config
	var quick bool
	flag.StringVar(&c.simrun, "simrun", "bin/simrun", "the simrun `binary` (make build)")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "the `Python` with numpy and pandas (Debian's python3-numpy, python3-pandas)")
	flag.StringVar(&c.script, "script", "bench/python/scale_sweep.py", "the Python peer's `file`")
	flag.StringVar(&c.goCmd, "go", "go", "the go `command`, for BenchmarkChunks/trivial/process")
	flag.IntVar(&c.benchCount, "benchcount", 5, "-count of BenchmarkChunks/trivial/process (the median counts)")
	flag.StringVar(&c.out, "out", "docs/performance.md", "the Markdown `file` whose benchscale block is rewritten; \"\" for none")
	flag.StringVar(&c.out, "doc", "docs/performance.md", "the Markdown `file`: another name for -out")
	flag.IntVar(&c.points, "points", defaultPoints, "`N` points of the sweep (simrun's and Python's)")
	flag.IntVar(&c.chunks, "chunks", defaultChunks, "`N` one-sample chunks of the spin run")
	flag.IntVar(&c.repeat, "repeat", 3, "run the sweep and the chunks `N` times each, in new directories, and take the median: this machine's speed varies by 15% from one run to the next")
	flag.BoolVar(&c.keep, "keep", false, "keep the temporary directory of the runs' outputs")
	flag.BoolVar(&quick, "quick", false, fmt.Sprintf("-points %d -chunks %d unless given: to try the harness, not to measure", quickPoints, quickChunks))
	flag.String("png", "", "ignored: accepted so that make bench's BENCHFLAGS serve benchsim and benchscale alike")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments %q", flag.Args())
	}
	if quick { // the sizes not given explicitly
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["points"] {
			c.points = quickPoints
		}
		if !set["chunks"] {
			c.chunks = quickChunks
		}
	}
	if c.points < 2 || c.chunks < 1 {
		log.Fatalf("-points %d -chunks %d: want at least 2 points (a linspace) and 1 chunk", c.points, c.chunks)
	}
	c.workers = runtime.NumCPU()
	for _, p := range []*string{&c.simrun, &c.script} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			log.Fatal(err)
		}
		*p = abs
	}
	tmp, err := os.MkdirTemp("", "benchscale-")
	if err != nil {
		log.Fatal(err)
	}
	c.tmp = tmp
	m, err := measure(&c)
	if c.keep {
		log.Printf("kept %s", tmp)
	} else {
		os.RemoveAll(tmp)
	}
	if err != nil {
		log.Fatal(err)
	}
	block := render(&c, m)
	fmt.Print(block)
	if c.out != "" {
		if err := benchkit.WriteBlock(c.out, beginMarker, endMarker, "## Sweeps of a million points", block); err != nil {
			log.Fatal(err)
		}
		log.Printf("wrote %s", c.out)
	}
}

// fullSize reports whether the sizes are those the targets are for.
func (c *config) fullSize() bool { return c.points == defaultPoints && c.chunks == defaultChunks }

// sweepFile and chunksFile are the experiments, as written into the
// temporary directory and shown in the block.
func sweepFile(points int) string {
	return fmt.Sprintf(`name = "scale"
kernel = "option"
seed = 14
[params]
S0 = 100
r = 0.05
T = 1
sigma = 0.2
antithetic = true
[sweep]
K = { linspace = [50, 150, %s] }
[samples]
samples = 10
chunk_size = 10
`, underscores(points))
}

func chunksFile(chunks int) string {
	return fmt.Sprintf(`name = "scale_chunks"
kernel = "spin"
seed = 14
[params]
work = 0
[samples]
samples = %s
chunk_size = 1
`, underscores(chunks))
}

// underscores writes n as a TOML integer with digit separators: 1_000_000.
func underscores(n int) string { return strings.ReplaceAll(benchkit.Count(int64(n)), ",", "_") }
