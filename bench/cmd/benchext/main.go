//go:build linux

// Command benchext measures simrun's external kernels (programs that speak
// the protocol of docs/external-kernels.md) against their peers, side by
// side in one run, and writes the figures, the machine, the commands and
// the targets met or missed to docs/performance.md, between the markers
//
//	<!-- benchext:begin --> and <!-- benchext:end -->
//
// (a section "## Kernels in other languages" at the end of the file, added
// with the markers if they are absent; the rest of the file is left as it
// is). `make bench` runs it after benchsim:
//
//	go run ./bench/cmd/benchext -simrun bin/simrun -python /usr/bin/python3
//
// The measurements, each repetition running every one in turn so that a
// slow spell of the machine falls on all of them (default 5 repetitions,
// medians reported), all on 2 workers:
//
//   - trivial Python tasks: joblib's Parallel(n_jobs=2) over a million
//     calls of a function that returns its argument (the call alone, after
//     a warm-up call), GNU parallel running `true` 2000 times, and simrun
//     running a million one-sample chunks through the Python kernel
//     bench/external/trivial.py (the whole `simrun run` command);
//   - trivial C chunks: four million one-sample chunks through the C
//     kernel bench/external/trivial.c;
//   - 1 ms chunks: 4000 chunks of the C kernel bench/external/spin.c, each
//     a fixed number of xoshiro256++ draws, once through `simrun run` and
//     once as two copies of the program alone, each fed half of the
//     request stream simrun would send (written by this command; with
//     -write-requests DIR it writes them there and exits).
//
// The kernels and the peers are in bench/external; the C kernels are built
// with `cc -O2 -ffp-contract=off` into bench/external first.
//
// -quick runs every measurement at a small size, once, to try the harness;
// its figures mean nothing, so give it -out elsewhere.
//
// It builds on Linux only, as benchsim does.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/simrun/simrun/bench/internal/benchkit"
)

// Targets and sizes.
const (
	parallelFactor = 300  // simrun's Python chunks/s ≥ this × GNU parallel's tasks/s
	cTarget        = 1e6  // trivial C chunks/s
	spinOverhead   = 0.05 // simrun within this of the program alone, 1 ms chunks
	spinTargetMs   = 1.0  // what the spin kernel's k is meant to give
	joblibDefault  = 1e6  // tasks of the timed joblib call
	parallelTasks  = 2000 // `true` processes of GNU parallel
	joblibWarmup   = 1e5  // tasks of joblib's warm-up call
	quickFraction  = 0.02 // -quick: this fraction of every size
	quickMinChunks = 200  // and at least this many
	spinRuns       = 3    // pairs of 1 ms runs (alone, simrun) per repetition
)

type config struct {
	simrun, python, cc string
	simrunBin          string // the copy of simrun that runs
	dir, out           string
	reps, workers      int
	quick              bool

	joblibTasks, joblibWarmup, parallelTasks int64
	py, c, spin                              *expFile
	tmp                                      string
	scratch                                  []string // files to remove at the end
}

// expFile is what benchext reads of an experiment file of bench/external.
type expFile struct {
	path    string // as run, from the repository root
	Name    string
	Seed    uint64
	Params  map[string]any
	Samples struct {
		Samples   int64
		ChunkSize int64 `toml:"chunk_size"`
	}
}

func (x *expFile) chunks() int64 { return x.Samples.Samples / x.Samples.ChunkSize }

func main() {
	log.SetFlags(0)
	log.SetPrefix("benchext: ")
	var c config
	var writeReqs string
	flag.StringVar(&c.simrun, "simrun", "bin/simrun", "the simrun binary (make build)")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "the Python with joblib (Debian's python3-joblib), which the Python kernel runs under too")
	flag.StringVar(&c.cc, "cc", "cc", "the C compiler for the C kernels")
	flag.StringVar(&c.dir, "dir", "bench/external", "the directory of the kernels, their experiment files and the peers")
	flag.StringVar(&c.out, "out", "docs/performance.md", "the Markdown file whose benchext block is rewritten")
	flag.IntVar(&c.reps, "reps", 5, "repetitions of every measurement (the median is reported)")
	flag.IntVar(&c.workers, "workers", 2, "workers (joblib's n_jobs, GNU parallel's -j, simrun's --workers, copies of the program alone)")
	flag.BoolVar(&c.quick, "quick", false, "small sizes, one run each: to try the harness, not to measure")
	flag.StringVar(&writeReqs, "write-requests", "", "write the request streams of the 1 ms chunks run alone into this directory, and exit")
	flag.String("png", "", "ignored: accepted so that make bench's BENCHFLAGS serve benchsim and benchext alike")
	flag.Parse()
	if flag.NArg() > 0 {
		log.Fatalf("unexpected arguments %q", flag.Args())
	}

	var err error
	load := func(name string) *expFile {
		x, err := readExp(filepath.Join(c.dir, name))
		if err != nil {
			log.Fatal(err)
		}
		return x
	}
	c.py, c.c, c.spin = load("trivial_py.toml"), load("trivial_c.toml"), load("spin_c.toml")
	if writeReqs != "" {
		if c.quick {
			c.spin.Samples.Samples = quick(c.spin.Samples.Samples)
		}
		if err := os.MkdirAll(writeReqs, 0o755); err != nil {
			log.Fatal(err)
		}
		paths, err := writeRequests(writeReqs, c.spin, c.workers)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("wrote %s", strings.Join(paths, " "))
		return
	}

	c.joblibTasks, c.joblibWarmup, c.parallelTasks = joblibDefault, joblibWarmup, parallelTasks
	if c.quick {
		c.reps = 1
		c.joblibTasks, c.joblibWarmup, c.parallelTasks = quick(c.joblibTasks), quick(c.joblibWarmup), 50
		for _, x := range []*expFile{c.py, c.c, c.spin} {
			if err := c.shrink(x, quick(x.Samples.Samples)); err != nil {
				log.Fatal(err)
			}
		}
	}
	c.tmp, err = os.MkdirTemp("", "benchext-")
	if err != nil {
		log.Fatal(err)
	}
	cleanup := func() {
		os.RemoveAll(c.tmp)
		for _, f := range c.scratch {
			os.Remove(f)
		}
	}
	m, err := measure(&c)
	cleanup()
	if err != nil {
		log.Fatal(err)
	}
	f := compute(&c, m)
	if err := writeDoc(&c, m, f); err != nil {
		log.Fatal(err)
	}
	fmt.Print(summary(&c, m, f))
	log.Printf("wrote %s", c.out)
}

func quick(n int64) int64 { return max(int64(float64(n)*quickFraction), quickMinChunks) }

func readExp(path string) (*expFile, error) {
	x := &expFile{path: path}
	if _, err := toml.DecodeFile(path, x); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if x.Samples.ChunkSize <= 0 || x.Samples.Samples <= 0 {
		return nil, fmt.Errorf("%s: no [samples] samples and chunk_size", path)
	}
	return x, nil
}

var samplesLine = regexp.MustCompile(`(?m)^samples = .*$`)

// shrink points x at a copy of its file with samples = n, written beside
// it (the kernel's paths are relative to the file) and removed at the end.
func (c *config) shrink(x *expFile, n int64) error {
	b, err := os.ReadFile(x.path)
	if err != nil {
		return err
	}
	if !samplesLine.Match(b) {
		return fmt.Errorf("%s: no line 'samples = ...'", x.path)
	}
	b = samplesLine.ReplaceAll(b, []byte("samples = "+strconv.FormatInt(n, 10)))
	path := filepath.Join(filepath.Dir(x.path), ".quick-"+filepath.Base(x.path))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	c.scratch = append(c.scratch, path)
	x.path = path
	x.Samples.Samples = n
	return nil
}

// measurements are the raw runs; the report takes medians.
type measurements struct {
	start, end            time.Time
	loadBefore, loadAfter string
	repLoads              []string // the load average as each repetition started
	machine               []string // "what: value" lines
	commands              []string

	joblib               []float64 // tasks/s, the timed Parallel call
	joblibVersion        string
	parallel             []time.Duration
	parallelVersion      string
	py, c                []time.Duration // `simrun run` wall
	spinAlone, spinSim   []time.Duration
	pyVersion, ccVersion string
	simrunVersion        string
}

func (m *measurements) record(cmd string) {
	if !slices.Contains(m.commands, cmd) {
		m.commands = append(m.commands, cmd)
	}
}

// simrunRun runs `simrun run` on experiment x into a new directory, checks
// that every chunk ran, and removes the directory.
func simrunRun(c *config, m *measurements, x *expFile) (time.Duration, error) {
	out, err := os.MkdirTemp(c.tmp, "out-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(out)
	args := []string{c.simrun, "run", "--quiet", "--workers", strconv.Itoa(c.workers), "--out", "DIR", x.path}
	m.record(benchkit.ShellJoin(args))
	args[0], args[len(args)-2] = c.simrunBin, out
	r, err := benchkit.Run(benchkit.Cmd{Argv: args})
	if err != nil {
		return 0, err
	}
	if err := checkResults(filepath.Join(out, "results.csv"), x.chunks()); err != nil {
		return 0, fmt.Errorf("%s: %v", x.path, err)
	}
	return r.Wall, nil
}

// checkResults checks that results.csv counts every chunk, so that a rate
// is of chunks that ran.
func checkResults(path string, chunks int64) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 2 {
		return fmt.Errorf("%s: no rows", path)
	}
	head := strings.Split(lines[0], ",")
	col := slices.Index(head, "chunks")
	if col < 0 {
		return fmt.Errorf("%s: no chunks column", path)
	}
	row := strings.Split(lines[1], ",")
	if col >= len(row) || row[col] != strconv.FormatInt(chunks, 10) {
		return fmt.Errorf("%s: the run has %v chunks, not %d", path, row[min(col, len(row)-1)], chunks)
	}
	return nil
}

func build(c *config, m *measurements) error {
	for _, name := range []string{"trivial", "spin"} {
		args := []string{c.cc, "-O2", "-ffp-contract=off", "-I", "external/lang/c", "-o", filepath.Join(c.dir, name), filepath.Join(c.dir, name+".c"), "-lm"}
		m.record(benchkit.ShellJoin(args))
		if _, err := benchkit.Run(benchkit.Cmd{Argv: args}); err != nil {
			return err
		}
	}
	return nil
}

func measure(c *config) (*measurements, error) {
	m := &measurements{start: time.Now().UTC()}
	m.loadBefore = benchkit.LoadAvg()
	if !c.quick {
		benchkit.WarnIfBusy(m.loadBefore)
	}
	m.machine = append(benchkit.Machine(), "tree: revision "+benchkit.Revision())
	// A copy of the binary, run in its place: the tree's bin/simrun may be
	// rebuilt while the benchmark runs. simrun's workers re-execute the
	// binary they run from, the copy.
	bin := filepath.Join(c.tmp, "simrun")
	if err := copyFile(c.simrun, bin); err != nil {
		return nil, err
	}
	m.simrunVersion = firstLine(benchkit.Output(bin, "version"))
	if m.simrunVersion == "" {
		return nil, fmt.Errorf("%s version: no output", c.simrun)
	}
	m.machine = append(m.machine, fmt.Sprintf("simrun binary: %s (`%s version`; a copy taken at the start is what runs)", m.simrunVersion, c.simrun))
	c.simrunBin = bin
	m.pyVersion = benchkit.Output(c.python, "-c", "import platform; print(platform.python_version())")
	m.joblibVersion = benchkit.Output(c.python, "-c", "import joblib; print(joblib.__version__)")
	if m.joblibVersion == "" {
		return nil, fmt.Errorf("%s cannot import joblib: run bash scripts/deps.sh bench (apt-get install -y python3-joblib)", c.python)
	}
	m.parallelVersion = strings.TrimPrefix(firstLine(benchkit.Output("parallel", "--version")), "GNU parallel ")
	if m.parallelVersion == "" {
		return nil, fmt.Errorf("no GNU parallel: run bash scripts/deps.sh bench (apt-get install -y parallel)")
	}
	m.ccVersion = firstLine(benchkit.Output(c.cc, "--version"))
	if err := build(c, m); err != nil {
		return nil, err
	}
	reqDir := filepath.Join(c.tmp, "requests")
	if err := os.Mkdir(reqDir, 0o755); err != nil {
		return nil, err
	}
	reqs, err := writeRequests(reqDir, c.spin, c.workers)
	if err != nil {
		return nil, err
	}

	w := strconv.Itoa(c.workers)
	seqArgs := []string{"parallel", "-j", w, "true", ":::"}
	for i := int64(1); i <= c.parallelTasks; i++ {
		seqArgs = append(seqArgs, strconv.FormatInt(i, 10))
	}
	spin := filepath.Join(c.dir, "spin")
	var alone []benchkit.Cmd
	var aloneLine []string
	for i, r := range reqs {
		alone = append(alone, benchkit.Cmd{Argv: []string{spin}, Stdin: r, Discard: true}) // replies to /dev/null
		aloneLine = append(aloneLine, fmt.Sprintf("%s < DIR/spin-%d.req > /dev/null &", spin, i))
	}

	for rep := range c.reps {
		m.repLoads = append(m.repLoads, benchkit.LoadAvg())
		log.Printf("repetition %d/%d (load average %s)", rep+1, c.reps, m.repLoads[rep])

		args := []string{c.python, filepath.Join(c.dir, "joblib_trivial.py"), "--tasks", strconv.FormatInt(c.joblibTasks, 10),
			"--warmup", strconv.FormatInt(c.joblibWarmup, 10), "--workers", w}
		m.record(benchkit.ShellJoin(args))
		r, err := benchkit.Run(benchkit.Cmd{Argv: args})
		if err != nil {
			return nil, err
		}
		rate, err := benchkit.Field(r.Stdout, "tasks_per_s")
		if err != nil {
			return nil, err
		}
		m.joblib = append(m.joblib, rate)
		log.Printf("  joblib: %s tasks/s", num(rate))

		m.record(fmt.Sprintf("parallel -j %s true ::: $(seq %d)", w, c.parallelTasks))
		r, err = benchkit.Run(benchkit.Cmd{Argv: seqArgs})
		if err != nil {
			return nil, err
		}
		m.parallel = append(m.parallel, r.Wall)
		log.Printf("  GNU parallel: %s tasks/s", num(float64(c.parallelTasks)/r.Wall.Seconds()))

		wall, err := simrunRun(c, m, c.py)
		if err != nil {
			return nil, err
		}
		m.py = append(m.py, wall)
		log.Printf("  simrun, Python kernel: %s chunks/s", num(float64(c.py.chunks())/wall.Seconds()))

		wall, err = simrunRun(c, m, c.c)
		if err != nil {
			return nil, err
		}
		m.c = append(m.c, wall)
		log.Printf("  simrun, C kernel: %s chunks/s", num(float64(c.c.chunks())/wall.Seconds()))

		// The 1 ms chunks, alone and through simrun, one after the other,
		// in alternating order, spinRuns pairs: the runs last 2-3 s, and
		// this VM's speed drifts by several per cent from one to the next.
		for i := range 2 * spinRuns {
			if (rep+i/2+i)%2 == 0 {
				if c.quick {
					m.record("go run ./bench/cmd/benchext -quick -write-requests DIR")
				} else {
					m.record("go run ./bench/cmd/benchext -write-requests DIR")
				}
				m.record(strings.Join(aloneLine, " ") + " wait")
				wall, err := benchkit.RunTogether(alone...)
				if err != nil {
					return nil, err
				}
				m.spinAlone = append(m.spinAlone, wall)
				log.Printf("  1 ms chunks, %d programs alone: %s", c.workers, sec(wall.Seconds()))
			} else {
				wall, err := simrunRun(c, m, c.spin)
				if err != nil {
					return nil, err
				}
				m.spinSim = append(m.spinSim, wall)
				log.Printf("  1 ms chunks, simrun: %s", sec(wall.Seconds()))
			}
		}
	}
	m.end = time.Now().UTC()
	m.loadAfter = benchkit.LoadAvg()
	return m, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o755)
}

// rates returns n/wall for each run.
func rates(n int64, d []time.Duration) []float64 {
	v := make([]float64, len(d))
	for i, x := range d {
		v[i] = float64(n) / x.Seconds()
	}
	return v
}
