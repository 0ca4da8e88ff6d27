//go:build linux

package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/simrun/simrun/bench/internal/benchkit"
)

// measurements are the runs, one of each command.
type measurements struct {
	start, end            time.Time
	loadBefore, loadAfter string
	machine               []string // "what: value" lines
	pyVersion, npVersion  string
	pdVersion             string // "" without pandas

	run, report, rerun   benchkit.Result  // the sweep (run: the median of its runs)
	files                []file           // the run's directory after the run
	chunks               benchkit.Result  // the spin run (the median of its runs)
	runWalls, chunkWalls []time.Duration  // every run's, in order
	trivial              benchkit.GoBench // BenchmarkChunks/trivial/process
	trivialCmd           string

	py                benchkit.Result
	pyWriter          string // "pandas" or "csv", as the script says
	pyChunksize       int
	pyPool, pySeconds float64 // the script's own timings
	pyCSV             int64   // bytes of the CSV it wrote
	selfHWM           int64   // this program's peak RSS
	warnings          []string
}

// file is one file of a run's directory.
type file struct {
	name string // relative to the directory
	size int64
}

func (m *measurements) warn(format string, a ...any) {
	s := fmt.Sprintf(format, a...)
	log.Printf("warning: %s", s)
	m.warnings = append(m.warnings, s)
}

func measure(c *config) (*measurements, error) {
	m := &measurements{start: time.Now().UTC()}
	m.loadBefore = benchkit.LoadAvg()
	if c.fullSize() {
		benchkit.WarnIfBusy(m.loadBefore)
	}
	m.machine = append(benchkit.Machine(), "simrun: revision "+benchkit.Revision())
	m.pyVersion = benchkit.Output(c.python, "-c", "import platform; print(platform.python_version())")
	m.npVersion = benchkit.Output(c.python, "-c", "import numpy; print(numpy.__version__)")
	if m.npVersion == "" {
		return nil, fmt.Errorf("%s cannot import numpy: run bench/setup.sh (apt-get install -y python3-numpy)", c.python)
	}
	m.pdVersion = benchkit.Output(c.python, "-c", "import pandas; print(pandas.__version__)")
	if m.pdVersion == "" {
		m.warn("%s cannot import pandas (scripts/deps.sh bench installs python3-pandas): the Python peer writes its CSV with the csv module", c.python)
	}

	sweep := filepath.Join(c.tmp, sweepName)
	if err := os.WriteFile(sweep, []byte(sweepFile(c.points)), 0o644); err != nil {
		return nil, err
	}
	dir := filepath.Join(c.tmp, "scale")
	run := func(args ...string) (benchkit.Result, error) {
		return benchkit.Run(benchkit.Cmd{Argv: append([]string{c.simrun}, args...), Discard: true, PollHWM: true})
	}
	var err error
	log.Printf("simrun run: %s points of the option kernel, %d times", benchkit.Count(int64(c.points)), c.repeat)
	if m.run, m.runWalls, err = median(c, dir, func(d string) (benchkit.Result, error) { return run("run", "--out", d, sweep) }); err != nil {
		return nil, err
	}
	log.Printf("simrun run: %.2f s (the median), peak RSS %s", m.run.Wall.Seconds(), mb(m.run.MaxRSS))
	if m.files, err = listFiles(dir); err != nil {
		return nil, err
	}
	// A call and a put row a point, in results.parquet (and results.csv,
	// under a header, if the run wrote one: not above sim.CSVRows rows).
	if n, err := parquetRows(filepath.Join(dir, "results.parquet")); err != nil {
		m.warn("results.parquet: %v", err)
	} else if want := 2 * int64(c.points); n != want {
		m.warn("results.parquet has %d rows, want %d (2 a point)", n, want)
	}
	if sizeOf(m.files, "results.csv") >= 0 {
		if n, err := countLines(filepath.Join(dir, "results.csv")); err != nil {
			m.warn("results.csv: %v", err)
		} else if want := 2*int64(c.points) + 1; n != want {
			m.warn("results.csv has %d lines, want %d (a header and 2 rows a point)", n, want)
		}
	}
	journal := sizeOf(m.files, "journal.bin")

	log.Print("simrun report")
	if m.report, err = run("report", dir); err != nil {
		return nil, err
	}
	log.Printf("simrun report: %.2f s", m.report.Wall.Seconds())
	log.Print("simrun run again, on the finished run")
	if m.rerun, err = run("run", "--out", dir, sweep); err != nil {
		return nil, err
	}
	log.Printf("simrun run again: %.2f s", m.rerun.Wall.Seconds())
	if after, err := listFiles(dir); err != nil {
		return nil, err
	} else if s := sizeOf(after, "journal.bin"); s != journal {
		m.warn("the run again on the finished run changed journal.bin from %d to %d bytes: it computed chunks", journal, s)
	}
	if !c.keep {
		os.RemoveAll(dir)
	}

	log.Printf("python: %s points", benchkit.Count(int64(c.points)))
	csv := filepath.Join(c.tmp, "prices.csv")
	m.py, err = benchkit.Run(benchkit.Cmd{Argv: []string{c.python, c.script,
		"--points", strconv.Itoa(c.points), "--workers", strconv.Itoa(c.workers), "--out", csv}})
	if err != nil {
		return nil, err
	}
	m.pyWriter = word(m.py.Stdout, "writer")
	chunksize, err := benchkit.Field(m.py.Stdout, "chunksize")
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.script, err)
	}
	m.pyChunksize = int(chunksize)
	if m.pyPool, err = benchkit.Field(m.py.Stdout, "pool_seconds"); err != nil {
		return nil, fmt.Errorf("%s: %v", c.script, err)
	}
	if m.pySeconds, err = benchkit.Field(m.py.Stdout, "seconds"); err != nil {
		return nil, fmt.Errorf("%s: %v", c.script, err)
	}
	if st, err := os.Stat(csv); err != nil {
		return nil, err
	} else {
		m.pyCSV = st.Size()
	}
	if n, err := countLines(csv); err != nil || n != int64(c.points)+1 {
		m.warn("the Python peer's CSV has %d lines (%v), want %d (a header and a row a point)", n, err, c.points+1)
	}
	log.Printf("python: %.2f s, peak RSS %s, writer %s", m.py.Wall.Seconds(), mb(m.py.MaxRSS), m.pyWriter)
	if !c.keep {
		os.Remove(csv)
	}

	chunks := filepath.Join(c.tmp, chunksName)
	if err := os.WriteFile(chunks, []byte(chunksFile(c.chunks)), 0o644); err != nil {
		return nil, err
	}
	log.Printf("simrun run: %s chunks of the spin kernel", benchkit.Count(int64(c.chunks)))
	cdir := filepath.Join(c.tmp, "scale_chunks")
	if m.chunks, m.chunkWalls, err = median(c, cdir, func(d string) (benchkit.Result, error) { return run("run", "--out", d, chunks) }); err != nil {
		return nil, err
	}
	log.Printf("simrun run: %.2f s, parent's peak RSS %s", m.chunks.Wall.Seconds(), mb(m.chunks.HWM))
	if !c.keep {
		os.RemoveAll(cdir)
	}

	log.Printf("go test -bench %s ./engine, %d times", trivialPattern, c.benchCount)
	m.trivial = benchkit.GoBench{}
	if m.trivialCmd, err = benchkit.RunGoBench(m.trivial, c.goCmd, "./engine", trivialPattern, "1s", c.benchCount); err != nil {
		return nil, err
	}
	log.Printf("trivial chunks: %.2f M/s (the median)", m.trivial.Get(trivialName, "chunks/s")/1e6)

	m.end = time.Now().UTC()
	m.loadAfter = benchkit.LoadAvg()
	m.selfHWM = selfHWM()
	return m, nil
}

// listFiles returns every regular file under dir, by name.
func listFiles(dir string) ([]file, error) {
	var files []file
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		files = append(files, file{name: filepath.ToSlash(rel), size: info.Size()})
		return nil
	})
	slices.SortFunc(files, func(a, b file) int { return strings.Compare(a.name, b.name) })
	return files, err
}

func sizeOf(files []file, name string) int64 {
	for _, f := range files {
		if f.name == name {
			return f.size
		}
	}
	return -1
}

func total(files []file) int64 {
	var n int64
	for _, f := range files {
		n += f.size
	}
	return n
}

// parquetRows returns the number of rows of a Parquet file, from its
// footer.
func parquetRows(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	pf, err := parquet.OpenFile(f, fi.Size())
	if err != nil {
		return 0, err
	}
	return pf.NumRows(), nil
}

// median runs run c.repeat times, each into a new directory (the last
// into dir, which stays), and returns the run of median wall time and
// every run's wall time.
func median(c *config, dir string, run func(dir string) (benchkit.Result, error)) (benchkit.Result, []time.Duration, error) {
	var results []benchkit.Result
	var walls []time.Duration
	for i := range max(1, c.repeat) {
		d := dir
		if i < c.repeat-1 {
			d = fmt.Sprintf("%s-%d", dir, i)
		}
		r, err := run(d)
		if err != nil {
			return r, nil, err
		}
		if d != dir {
			os.RemoveAll(d)
		}
		results, walls = append(results, r), append(walls, r.Wall)
	}
	sorted := slices.Clone(results)
	slices.SortFunc(sorted, func(a, b benchkit.Result) int { return cmp.Compare(a.Wall, b.Wall) })
	return sorted[len(sorted)/2], walls, nil
}

// countLines counts the newlines of a file, reading it in small blocks so
// that this process stays small (see the package comment).
func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	buf := make([]byte, 64<<10)
	for {
		k, err := f.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// word returns the value of key=VALUE among the words of out, or "".
func word(out, key string) string {
	for _, f := range strings.Fields(out) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}

// selfHWM returns this process's peak RSS, its VmHWM, in bytes, or 0.
func selfHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
