//go:build linux

// Command benchsim measures simrun against its Python peers
// (multiprocessing + numpy, in bench/python) and writes the figures, the
// machine, the commands and the targets met or missed to
// docs/performance.md, between the markers
//
//	<!-- benchsim:begin --> and <!-- benchsim:end -->
//
// (the rest of the file is prose kept by hand), and a figure to
// docs/performance.png. `make bench` builds simrun, installs the Python
// peer's packages (bench/setup.sh) and runs it:
//
//	go run ./bench/cmd/benchsim -simrun bin/simrun -python /usr/bin/python3
//
// -quick runs every measurement at a small size, to try the harness; its
// figures mean nothing, so give it -out and -png elsewhere.
//
// It builds on Linux only: it reads the parent's peak RSS from /proc.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/simrun/simrun/bench/internal/benchkit"
)

// piScalingRuns is how many times each simrun pi command runs per
// repetition (the Python peer runs once).
const piScalingRuns = 3

type config struct {
	simrun, python, goCmd string
	pyDir                 string // the Python peers
	out, png              string
	reps                  int    // runs of each command-line measurement
	benchCount            int    // -count of the go test benchmarks
	benchtime             string // -benchtime of the pool benchmarks
	longBenchtime         string // -benchtime of BenchmarkChunks with 1 ms and 10 ms chunks
	quick                 bool

	piSamples, piChunks int64 // pi workload
	pyBatch             int64 // points a Python task draws at once
	sweepPoints         int64
	sweepChunksize      int
	trivMap1, trivMap   int // Python trivial tasks: Pool.map chunksize 1, chunksize trivChunksize
	trivChunksize       int
	trivSubmit          int   // ProcessPoolExecutor.submit tasks
	memChunks           int64 // chunks of the memory runs
	workers             int   // "all cores"
	tmp                 string
}

func main() {
	log.SetFlags(0)
	log.SetPrefix("benchsim: ")
	var c config
	flag.StringVar(&c.simrun, "simrun", "bin/simrun", "the simrun binary (make build)")
	flag.StringVar(&c.python, "python", "/usr/bin/python3", "the Python with numpy (Debian's python3-numpy)")
	flag.StringVar(&c.goCmd, "go", "go", "the go command, for the go test benchmarks")
	flag.StringVar(&c.pyDir, "pydir", "bench/python", "the directory of the Python peers")
	flag.StringVar(&c.out, "out", "docs/performance.md", "the Markdown file whose benchsim block is rewritten")
	flag.StringVar(&c.png, "png", "docs/performance.png", "the figure")
	flag.IntVar(&c.reps, "reps", 5, "runs of each command-line measurement (the median is reported)")
	flag.IntVar(&c.benchCount, "count", 3, "-count of the go test benchmarks (the median is reported)")
	flag.StringVar(&c.benchtime, "benchtime", "2s", "-benchtime of the pool benchmarks and of trivial chunks")
	flag.StringVar(&c.longBenchtime, "longbenchtime", "5s", "-benchtime of BenchmarkChunks with 1 ms and 10 ms chunks")
	flag.BoolVar(&c.quick, "quick", false, "small sizes, one run each: to try the harness, not to measure")
	flag.Parse()

	c.workers = runtime.NumCPU()
	c.piSamples, c.piChunks, c.pyBatch = 1_000_000_000, 100, 1_000_000
	c.sweepPoints, c.sweepChunksize = 10_000, 64
	c.trivMap1, c.trivMap, c.trivChunksize, c.trivSubmit = 100_000, 5_000_000, 1000, 20_000
	c.memChunks = 1_000_000
	if c.quick {
		c.piSamples, c.piChunks = 20_000_000, 20
		c.sweepPoints = 1000
		c.trivMap1, c.trivMap, c.trivSubmit = 5000, 100_000, 2000
		c.memChunks = 50_000
		c.reps, c.benchCount, c.benchtime = 1, 1, "100ms"
	}
	for _, p := range []*string{&c.simrun, &c.pyDir} {
		abs, err := filepath.Abs(*p)
		if err != nil {
			log.Fatal(err)
		}
		*p = abs
	}
	tmp, err := os.MkdirTemp("", "benchsim-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	c.tmp = tmp

	m, err := measure(&c)
	if err != nil {
		os.RemoveAll(tmp)
		log.Fatal(err)
	}
	if err := writeDoc(&c, m); err != nil {
		log.Fatal(err)
	}
	if err := writePlot(c.png, m); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s and %s", c.out, c.png)
}

// measurements are the raw runs; the report takes medians.
type measurements struct {
	cfg                   *config
	start, end            time.Time
	loadBefore, loadAfter string
	machine               []string // "what: value" lines
	commands              []string

	piSim                map[int][]time.Duration // workers → wall per rep
	piPy                 []time.Duration
	halfAlone, halfPair  []time.Duration
	sweepSim, sweepPy    []time.Duration
	pyRate               map[string][]float64 // trivial.py mode → tasks/s
	mem                  []memRun
	gb                   benchkit.GoBench
	trivialCLI           []float64 // chunks/s of `simrun run` on memChunks trivial chunks
	halfSamples          int64
	pyVersion, npVersion string
}

type memRun struct {
	samplesPerChunk int64
	runs            []benchkit.Result // MaxRSS of the parent and the workers it reaped; HWM of the parent alone
}

func (m *measurements) record(cmd string) {
	if !slices.Contains(m.commands, cmd) {
		m.commands = append(m.commands, cmd)
	}
}

// experiment writes an experiment file into the temporary directory.
func experiment(c *config, name, body string) (string, error) {
	path := filepath.Join(c.tmp, name+".toml")
	src := fmt.Sprintf("name = %q\nseed = 20261125\n%s", name, body)
	return path, os.WriteFile(path, []byte(src), 0o644)
}

// simrunRun runs `simrun run` on file into a new directory, removed after.
func simrunRun(c *config, m *measurements, pollHWM bool, file string, workers int) (benchkit.Result, error) {
	out, err := os.MkdirTemp(c.tmp, "out-")
	if err != nil {
		return benchkit.Result{}, err
	}
	defer os.RemoveAll(out)
	args := simrunArgs(file, workers, out)
	m.record(recordLine(c, args))
	return benchkit.Run(benchkit.Cmd{Argv: append([]string{c.simrun}, args...), PollHWM: pollHWM})
}

func simrunArgs(file string, workers int, out string) []string {
	return []string{"run", "--quiet", "--workers", strconv.Itoa(workers), "--out", out, file}
}

// recordLine is a command as the reader would type it from the repository.
func recordLine(c *config, args []string) string {
	a := slices.Clone(args)
	for i, s := range a {
		if strings.HasPrefix(s, c.tmp) {
			if strings.HasSuffix(s, ".toml") {
				a[i] = filepath.Base(s)
			} else {
				a[i] = "DIR"
			}
		}
		if rel, err := filepath.Rel(mustWd(), s); err == nil && strings.HasPrefix(s, "/") && !strings.HasPrefix(rel, "..") {
			a[i] = rel
		}
	}
	name := "bin/simrun"
	if a[0] == "python" {
		name, a = c.python, a[1:]
	}
	return name + " " + benchkit.ShellJoin(a)
}

func mustWd() string {
	wd, _ := os.Getwd()
	return wd
}

func python(c *config, m *measurements, script string, args ...string) (benchkit.Result, error) {
	full := append([]string{filepath.Join(c.pyDir, script)}, args...)
	m.record(recordLine(c, append([]string{"python"}, full...)))
	return benchkit.Run(benchkit.Cmd{Argv: append([]string{c.python}, full...)})
}

func measure(c *config) (*measurements, error) {
	m := &measurements{
		piSim:  map[int][]time.Duration{},
		pyRate: map[string][]float64{},
		gb:     benchkit.GoBench{},
		cfg:    c,
		start:  time.Now().UTC(),
	}
	m.loadBefore = benchkit.LoadAvg()
	if !c.quick {
		benchkit.WarnIfBusy(m.loadBefore)
	}
	m.machine = append(benchkit.Machine(), "simrun: revision "+benchkit.Revision())
	m.pyVersion = benchkit.Output(c.python, "-c", "import platform; print(platform.python_version())")
	m.npVersion = benchkit.Output(c.python, "-c", "import numpy; print(numpy.__version__)")
	if m.npVersion == "" {
		return nil, fmt.Errorf("%s cannot import numpy: run bench/setup.sh (apt-get install -y python3-numpy)", c.python)
	}

	// The pi workload, its scaling and the two-process reference, and
	// the Python peer: one run of each per repetition, alternating.
	chunk := c.piSamples / c.piChunks
	piFile, err := experiment(c, "bench_pi", fmt.Sprintf("kernel = \"pi\"\n[samples]\nsamples = %d\nchunk_size = %d\n", c.piSamples, chunk))
	if err != nil {
		return nil, err
	}
	m.halfSamples = c.piSamples / 2
	halfFile, err := experiment(c, "bench_pi_half", fmt.Sprintf("kernel = \"pi\"\n[samples]\nsamples = %d\nchunk_size = %d\n", m.halfSamples, chunk))
	if err != nil {
		return nil, err
	}
	for rep := range c.reps {
		log.Printf("pi %d/%d", rep+1, c.reps)
		// simrun's runs last a quarter to a half second, so the VM's
		// noise weighs on them: take piScalingRuns of each per Python run.
		for range piScalingRuns {
			for w := 1; w <= c.workers; w++ {
				r, err := simrunRun(c, m, false, piFile, w)
				if err != nil {
					return nil, err
				}
				m.piSim[w] = append(m.piSim[w], r.Wall)
			}
			r, err := simrunRun(c, m, false, halfFile, 1)
			if err != nil {
				return nil, err
			}
			m.halfAlone = append(m.halfAlone, r.Wall)
			d1, d2 := filepath.Join(c.tmp, "pair1"), filepath.Join(c.tmp, "pair2")
			a, b := simrunArgs(halfFile, 1, d1), simrunArgs(halfFile, 1, d2)
			m.record(recordLine(c, a) + " & " + recordLine(c, b) + " & wait")
			wall, err := benchkit.RunTogether(benchkit.Cmd{Argv: append([]string{c.simrun}, a...)}, benchkit.Cmd{Argv: append([]string{c.simrun}, b...)})
			os.RemoveAll(d1)
			os.RemoveAll(d2)
			if err != nil {
				return nil, err
			}
			m.halfPair = append(m.halfPair, wall)
		}
		r, err := python(c, m, "pi.py", "--samples", fmt.Sprint(c.piSamples), "--chunks", fmt.Sprint(c.piChunks),
			"--batch", fmt.Sprint(c.pyBatch), "--workers", fmt.Sprint(c.workers))
		if err != nil {
			return nil, err
		}
		m.piPy = append(m.piPy, r.Wall)
	}

	// Many small points.
	sweepFile, err := experiment(c, "bench_sweep", fmt.Sprintf("kernel = \"spin\"\n[sweep]\nwork = { from = 1, to = %d, step = 1 }\n[samples]\nsamples = 1\nchunk_size = 1\n", c.sweepPoints))
	if err != nil {
		return nil, err
	}
	for rep := range c.reps {
		log.Printf("sweep %d/%d", rep+1, c.reps)
		r, err := simrunRun(c, m, false, sweepFile, c.workers)
		if err != nil {
			return nil, err
		}
		m.sweepSim = append(m.sweepSim, r.Wall)
		r, err = python(c, m, "sweep.py", "--points", fmt.Sprint(c.sweepPoints), "--chunksize", fmt.Sprint(c.sweepChunksize), "--workers", fmt.Sprint(c.workers))
		if err != nil {
			return nil, err
		}
		m.sweepPy = append(m.sweepPy, r.Wall)
	}

	// Trivial tasks through multiprocessing.
	for rep := range min(c.reps, 3) {
		log.Printf("python trivial %d/%d", rep+1, min(c.reps, 3))
		for _, t := range []struct {
			mode  string
			tasks int
		}{{"map1", c.trivMap1}, {"map", c.trivMap}, {"submit", c.trivSubmit}} {
			r, err := python(c, m, "trivial.py", "--mode", t.mode, "--tasks", fmt.Sprint(t.tasks), "--chunksize", fmt.Sprint(c.trivChunksize), "--workers", fmt.Sprint(c.workers))
			if err != nil {
				return nil, err
			}
			rate, err := benchkit.Field(r.Stdout, "tasks_per_s")
			if err != nil {
				return nil, err
			}
			m.pyRate[t.mode] = append(m.pyRate[t.mode], rate)
		}
	}

	// The parent's memory on many trivial chunks, 1 and 10 samples each.
	for _, per := range []int64{1, 10} {
		file, err := experiment(c, fmt.Sprintf("bench_mem_%d", per), fmt.Sprintf("kernel = \"spin\"\n[params]\nwork = 0\n[samples]\nsamples = %d\nchunk_size = %d\n", c.memChunks*per, per))
		if err != nil {
			return nil, err
		}
		mr := memRun{samplesPerChunk: per}
		for rep := range min(c.reps, 3) {
			log.Printf("memory, %d samples per chunk %d/%d", per, rep+1, min(c.reps, 3))
			r, err := simrunRun(c, m, true, file, c.workers)
			if err != nil {
				return nil, err
			}
			mr.runs = append(mr.runs, r)
			if per == 1 {
				m.trivialCLI = append(m.trivialCLI, float64(c.memChunks)/r.Wall.Seconds())
			}
		}
		m.mem = append(m.mem, mr)
	}

	// The go test benchmarks.
	// BenchmarkChunks with 1 ms and 10 ms chunks runs longer: each run
	// starts its worker processes and ends on an uneven tail, a fixed cost
	// of the order of 1% of a 2 s run of 10 ms chunks (about 400 of them),
	// which 5 s makes small against the per-chunk cost the target is about.
	// The kernels (cheap to run) and the trivial chunks, which vary most
	// from run to run on this VM, get more runs.
	for _, b := range []struct {
		pkg, pattern, benchtime string
		count                   int
	}{
		{"./kernels", "^Benchmark(Pi|IsingMetropolis|IsingSample|IsingWolff)$", "1s", c.benchCount + 2},
		{"./runner", "^BenchmarkPool(Trivial|Spin)$", c.benchtime, c.benchCount},
		{"./engine", "^BenchmarkChunks$/^trivial$", c.benchtime, c.benchCount + 2},
		{"./engine", "^BenchmarkChunks$/ms$", c.longBenchtime, c.benchCount},
	} {
		bt, n := b.benchtime, b.count
		if c.quick {
			bt, n = c.benchtime, 1
		}
		log.Printf("go test -bench %s %s", b.pattern, b.pkg)
		line, err := benchkit.RunGoBench(m.gb, c.goCmd, b.pkg, b.pattern, bt, n)
		m.record(line)
		if err != nil {
			return nil, err
		}
	}
	m.end = time.Now().UTC()
	m.loadAfter = benchkit.LoadAvg()
	return m, nil
}

// ratios returns a[i]/b[i] per repetition.
func ratios(a, b []float64) []float64 {
	v := make([]float64, min(len(a), len(b)))
	for i := range v {
		v[i] = a[i] / b[i]
	}
	return v
}
