package engine

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/simrun/simrun/figure"
	"github.com/simrun/simrun/internal/atomicfile"
	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// The files a run leaves in its output directory. ExperimentFile and
// ChunksFile are what Report needs to rebuild everything else.
const (
	ExperimentFile = "experiment.toml" // the experiment file's exact bytes
	JournalFile    = "journal.bin"     // every chunk, appended as it completes
	ChunksFile     = "chunks.bin"      // every chunk's accumulators, in chunk order
	ResultsCSV     = "results.csv"
	ResultsParquet = "results.parquet" // results.csv's table, typed and columnar
	ResultsJSON    = "results.json"
	ReportMD       = "report.md"
	ReportHTML     = "report.html" // report.md's content as a self-contained page, figures inline
)

// writeFile writes dir/name atomically with write, and appends its path
// to written.
func writeFile(written *[]string, dir, name string, write func(io.Writer) error) error {
	path := filepath.Join(dir, name)
	if err := atomicfile.WriteFile(path, write); err != nil {
		return err
	}
	*written = append(*written, path)
	return nil
}

// writeSource writes the experiment file's bytes as dir/ExperimentFile.
func writeSource(written *[]string, dir string, e *sim.Experiment) error {
	if e.Program != nil {
		if err := writeProgram(written, dir, e); err != nil {
			return err
		}
	}
	return writeFile(written, dir, ExperimentFile, func(w io.Writer) error { _, err := w.Write(e.Source); return err })
}

// outputNames are the files writeOutputs writes for e (and a shard run
// only its experiment.toml, besides the journal).
func outputNames(e *sim.Experiment, shard bool) []string {
	names := []string{ExperimentFile}
	if e.Program != nil {
		names = append(names, ProgramFile)
	}
	if shard {
		return names
	}
	names = append(names, ChunksFile)
	names = append(names, TableNames(e)...)
	names = append(names, ResultsJSON, ReportMD, ReportHTML)
	for _, p := range e.Plots {
		for _, f := range p.Formats {
			names = append(names, p.Name+"."+f)
		}
	}
	return names
}

// checkOutputPaths refuses, before any work, an output directory where a
// file the run will replace is something else: a directory, a symlink, a
// device. Replacing it would fail only at the end, or write through it.
func checkOutputPaths(dir string, names []string) error {
	for _, name := range names {
		path := filepath.Join(dir, name)
		fi, err := os.Lstat(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return &InputError{fmt.Errorf("engine: %w", err)}
		case !fi.Mode().IsRegular():
			return inputErrorf("engine: %s is a %s, not a file simrun can replace; move it away, or choose another directory with --out DIR", path, fileKind(fi.Mode()))
		}
	}
	return nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&os.ModeSymlink != 0:
		return "symbolic link"
	}
	return "special file"
}

// writeOutputs writes every output file of a run into dir from feed,
// each atomically: the inputs of Report first (experiment.toml, then
// chunks.bin, which the feed puts in place when the reduction is done),
// then the tables, figures and report, filling res. It returns the paths
// written.
func writeOutputs(dir string, e *sim.Experiment, res *report.Results, feed *pointFeed) ([]string, error) {
	var written []string
	if err := writeSource(&written, dir, e); err != nil {
		return written, feed.finish(err)
	}
	err := writeTables(&written, dir, e, res, feed)
	return written, err
}

// TableNames returns the files of the tidy tables a run of e writes, as
// its [output] tables says: results.csv, results.parquet or both.
func TableNames(e *sim.Experiment) []string {
	var names []string
	if e.Output.CSV {
		names = append(names, ResultsCSV)
	}
	if e.Output.Parquet {
		names = append(names, ResultsParquet)
	}
	return names
}

// writeTables writes what follows from the points of feed, or if feed is
// nil from res.Points: the tidy tables (results.csv, results.parquet, as
// e.Output says) as the points come, each on a goroutine of its own, then
// results.json, the figures, report.md and report.html; appending each
// path to written, in that order, and removing a table of an earlier run
// that e does not write. It fills res with the points and whether any was left
// out. Of a sweep of more than report.JSONPoints points it keeps the
// first JSONPoints and a report.Digest of all, unless a figure plots
// them, so that memory does not grow with the sweep.
func writeTables(written *[]string, dir string, e *sim.Experiment, res *report.Results, feed *pointFeed) error {
	create := func(path string) (tableFile, error) { return atomicfile.Create(path) }
	if err := streamTables(written, dir, e, res, feed, create); err != nil {
		return err
	}
	for _, name := range []string{ResultsCSV, ResultsParquet} {
		if !slices.Contains(res.Tables, name) {
			// Of an earlier run, which its report.md and results.json,
			// about to be replaced, would no longer name.
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("engine: %w", err)
			}
		}
	}
	t, err := histogramChunks(dir, e)
	if err != nil {
		return err
	}
	return writeDocuments(written, dir, e, res, t)
}

// A tableFile is where streamTables writes a table: a file that Commit
// puts in place (atomicfile.File), or verify's check of one in place.
type tableFile interface {
	io.Writer
	Sync() error
	Commit() error
	Abort()
}

// streamTables is the first part of writeTables: the tables of e (dir's
// results.csv, results.parquet), each written as the points come into
// what create returns for its path, on a goroutine of its own, and
// committed after chunks.bin is put in place by the feed (if any).
func streamTables(written *[]string, dir string, e *sim.Experiment, res *report.Results, feed *pointFeed, create func(path string) (tableFile, error)) error {
	all := res.Points
	each := func(fn func([]report.PointResult, bool) error) error {
		for lo := 0; lo < len(all); lo += feedPoints {
			if err := fn(all[lo:min(len(all), lo+feedPoints)], false); err != nil {
				return err
			}
		}
		return nil
	}
	if feed != nil {
		each = feed.each
	}
	partial := res.Partial
	res.Points = nil

	type table struct {
		name   string
		write  func(io.Writer, report.Points) error
		file   tableFile
		blocks chan []report.PointResult
		err    error
	}
	var (
		tables []*table
		wg     sync.WaitGroup
	)
	defer func() {
		for _, t := range tables {
			t.file.Abort() // nothing after Commit
		}
	}()
	writers := map[string]func(io.Writer, report.Points) error{ResultsCSV: report.WriteCSVPoints, ResultsParquet: report.WriteParquetPoints}
	for _, name := range TableNames(e) {
		f, err := create(filepath.Join(dir, name))
		if err != nil {
			return feed.finish(err)
		}
		t := &table{name: name, write: writers[name], file: f, blocks: make(chan []report.PointResult, 4)}
		tables = append(tables, t)
		wg.Go(func() {
			bw := bufio.NewWriterSize(t.file, 1<<20)
			t.err = t.write(bw, func(yield func(report.PointResult, error) bool) {
				for ps := range t.blocks {
					for _, p := range ps {
						if !yield(p, nil) {
							return
						}
					}
				}
			})
			if t.err == nil {
				t.err = bw.Flush()
			}
			if t.err == nil {
				// The sync of Commit, while chunks.bin is synced.
				t.err = t.file.Sync()
			}
			for range t.blocks { // after an error, keep the feed going
			}
		})
	}

	keepAll := len(e.Plots) > 0 // a figure plots every point
	digest := report.NewDigest()
	var omitted int64
	ferr := each(func(points []report.PointResult, left bool) error {
		partial = partial || left
		for _, p := range points {
			if err := digest.Add(p); err != nil {
				return err
			}
			if keepAll || len(res.Points) < report.JSONPoints {
				res.Points = append(res.Points, p)
			} else {
				omitted++
			}
		}
		for _, t := range tables {
			t.blocks <- points
		}
		return nil
	})
	for _, t := range tables {
		close(t.blocks)
	}
	// chunks.bin is completed and put in place while the tables' writers
	// finish: it does not depend on them, and both end with a sync.
	if feed != nil {
		if ferr = feed.finish(ferr); feed.wrote != "" && ferr == nil {
			*written = append(*written, feed.wrote)
		}
	}
	wg.Wait()
	for _, t := range tables {
		if ferr == nil && t.err != nil {
			ferr = fmt.Errorf("engine: %s: %w", filepath.Join(dir, t.name), t.err)
		}
	}
	if ferr != nil {
		return ferr
	}
	res.Partial, res.PointsOmitted = partial, omitted
	if omitted > 0 {
		res.Digest = digest
	}
	for _, t := range tables {
		if err := t.file.Commit(); err != nil {
			return err
		}
		*written = append(*written, filepath.Join(dir, t.name))
		res.Tables = append(res.Tables, t.name)
	}
	return nil
}

// writeDocuments writes results.json, the figures, report.md and
// report.html. Each figure is built once and rendered to the formats its
// plot asks for, and to SVG for report.html if those lack it.
func writeDocuments(written *[]string, dir string, e *sim.Experiment, res *report.Results, t *sim.ChunkTable) error {
	if err := writeFile(written, dir, ResultsJSON, func(w io.Writer) error { return report.WriteJSON(w, res) }); err != nil {
		return err
	}
	var (
		pngs    []string
		figures []report.HTMLFigure
	)
	for _, plot := range e.Plots {
		fig, err := figure.Build(e.Kernel, e.Swept(), e.Designed(), plot, res, t, e.Zipped()...)
		if err != nil {
			return fmt.Errorf("engine: figure %s: %w", plot.Name, err)
		}
		var (
			svg   []byte // for report.html
			files []string
		)
		for _, format := range plot.Formats {
			name := plot.Name + "." + format
			write := func(w io.Writer) error { return figure.Render(w, fig, format) }
			if format == "svg" {
				var b bytes.Buffer
				if err := figure.Render(&b, fig, format); err != nil {
					return fmt.Errorf("engine: figure %s: %w", name, err)
				}
				svg = b.Bytes()
				write = func(w io.Writer) error { _, err := w.Write(svg); return err }
			}
			if err := writeFile(written, dir, name, write); err != nil {
				return fmt.Errorf("engine: figure %s: %w", name, err)
			}
			files = append(files, name)
			if format == "png" {
				pngs = append(pngs, name)
			}
		}
		if svg == nil {
			var b bytes.Buffer
			if err := figure.Render(&b, fig, "svg"); err != nil {
				return fmt.Errorf("engine: figure %s for %s: %w", plot.Name, ReportHTML, err)
			}
			svg = b.Bytes()
		}
		figures = append(figures, report.HTMLFigure{Name: plot.Name, Title: fig.Spec.Title, SVG: svg, Files: files})
	}
	if err := writeFile(written, dir, ReportMD, func(w io.Writer) error { return report.WriteMarkdown(w, res, e.Description, pngs) }); err != nil {
		return err
	}
	return writeFile(written, dir, ReportHTML, func(w io.Writer) error { return report.WriteHTML(w, res, e.Description, figures) })
}

// ReadExperiment loads the experiment.toml that a run keeps in its
// output directory dir, saying so when dir holds none.
func (en *Engine) ReadExperiment(dir string) (*sim.Experiment, error) {
	if err := isRunDir(dir); err != nil {
		return nil, err
	}
	return en.loadSaved(dir, filepath.Join(dir, ExperimentFile), nil)
}

// loadSaved loads an experiment file kept in the output directory dir
// (src, or the file at path if src is nil). A kernel program is described
// by the dir's ProgramFile, without starting it; its path and Dir are
// where the run ran it.
func (en *Engine) loadSaved(dir, path string, src []byte) (*sim.Experiment, error) {
	saved, err := readProgram(dir)
	if err != nil {
		return nil, err
	}
	if src == nil {
		if src, err = os.ReadFile(path); err != nil {
			return nil, &InputError{fmt.Errorf("engine: %w", err)}
		}
	}
	cat := en.catalog()
	cat.saved = saved
	e, err := sim.Parse(path, src, cat)
	if err != nil {
		return nil, &InputError{err}
	}
	return e, nil
}

// isRunDir returns an *InputError saying so if dir holds no run.
func isRunDir(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, ExperimentFile)); errors.Is(err, os.ErrNotExist) {
		return inputErrorf("engine: %s holds no run (no %s): give the output directory of a simrun run, such as results/pi", dir, ExperimentFile)
	}
	return nil
}

// ReadResults reads DIR/results.json, or a results.json given itself.
func ReadResults(path string) (*report.Results, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		path = filepath.Join(path, ResultsJSON)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, inputErrorf("engine: %w; give a results directory or its results.json", err)
	}
	r, err := report.ReadJSON(bytes.NewReader(b))
	if err != nil {
		return nil, inputErrorf("engine: %s: %w", path, err)
	}
	return r, nil
}

// Results reads the results at path, a run's directory or its
// results.json, with the statistics of every finished point: those
// results.json lists or, for a sweep too large for it to list them
// (report.JSONPoints), those its directory's chunks give, rebuilt as
// Report would.
func (en *Engine) Results(path string) (*report.Results, error) {
	res, err := ReadResults(path)
	if err != nil || res.PointsOmitted == 0 {
		return res, err
	}
	dir := path
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		dir = filepath.Dir(path)
	}
	r, err := en.ReadRun(dir)
	if err != nil {
		return nil, fmt.Errorf("engine: %s lists none of its %d points, which are rebuilt from the chunks beside it: %w", path, res.PointsOmitted, err)
	}
	r.Results = res
	return r.Rebuild()
}

// checkChunksLayout checks, from its header and size, that dir's
// chunks.bin holds e's chunks, without reading them.
func checkChunksLayout(dir string, e *sim.Experiment) error {
	path := filepath.Join(dir, ChunksFile)
	l, points, err := report.ReadChunksLayout(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &InputError{fmt.Errorf("engine: %w", err)}
	case err != nil:
		return inputErrorf("engine: %w", err)
	case l != e.Layout() || points != e.NumPoints():
		return inputErrorf("engine: %s does not match %s: %d points of %d chunks of %d observables; want %d of %d of %d",
			path, ExperimentFile, points, l.Chunks, l.Obs, e.NumPoints(), e.Layout().Chunks, e.Layout().Obs)
	}
	return nil
}

// A SavedRun is a finished (or partial) run read back from its directory:
// what Report rebuilds the outputs from, and Verify checks.
type SavedRun struct {
	Dir        string
	Experiment *sim.Experiment // experiment.toml
	// Results is results.json as the run wrote it, read strictly; nil if
	// the directory has none.
	Results *report.Results
}

// ReadRun reads back what a run saved in dir: the experiment and, if
// there is one, results.json, and checks that chunks.bin, the
// checksummed source of truth, is of the experiment's layout, without
// reading its chunks (Rebuild does, and checks its checksum). A missing
// experiment.toml or chunks.bin, or any damaged file, is an *InputError
// naming it.
func (en *Engine) ReadRun(dir string) (*SavedRun, error) {
	e, err := en.ReadExperiment(dir)
	if err != nil {
		return nil, err
	}
	if err := checkChunksLayout(dir, e); err != nil {
		return nil, err
	}
	r := &SavedRun{Dir: dir, Experiment: e}
	if _, err := os.Stat(filepath.Join(dir, ResultsJSON)); !errors.Is(err, os.ErrNotExist) {
		if r.Results, err = ReadResults(filepath.Join(dir, ResultsJSON)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// ReadChunks reads the run's chunks.bin whole, in memory: every chunk's
// accumulators, for what needs them all (a histogram of chunk
// estimates). Its memory grows with the chunks, 40 bytes an observable;
// Rebuild's and Verify's do not.
func (r *SavedRun) ReadChunks() (*sim.ChunkTable, error) {
	return readChunksFile(r.Dir, r.Experiment)
}

// Rebuild recomputes the run's results from its chunks, as the run did:
// the statistics of every point whose chunks are all there, with the
// provenance and failures of results.json. Without a results.json, the
// provenance is what the experiment says (file, kernel, seed, seeding) and
// a warning says the rest was lost. It reads chunks.bin twice, in
// blocks: to check its checksum, and point by point; a damaged one is an
// *InputError naming it.
func (r *SavedRun) Rebuild() (*report.Results, error) {
	res := r.base()
	feed, f, err := r.feed(res.Failures)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if res.Points, res.Partial, err = feed.collect(); err != nil {
		return nil, err
	}
	return res, nil
}

// base returns the results Rebuild fills with points: results.json's
// provenance and failures, or what the experiment says.
func (r *SavedRun) base() *report.Results {
	e := r.Experiment
	res := &report.Results{}
	if r.Results != nil {
		res.Provenance, res.Failures = r.Results.Provenance, r.Results.Failures
	} else {
		res.Provenance = report.Provenance{
			File: e.File, FileSHA256: e.SHA256, Experiment: e.Name, Kernel: e.Kernel.Name, KernelVersion: e.Kernel.Version,
			Seed: e.Seed, SeedScheme: sim.SeedScheme, Generator: rng.Algorithm,
		}
		res.Warnings = []string{"rebuilt without results.json: which binary, machine and time made these chunks is not known"}
	}
	return res
}

// feed starts the reduction of the run's points from its chunks.bin,
// checking its checksum beside; the file is the caller's to close once
// the feed is waited for. Its errors are *InputErrors naming the file.
func (r *SavedRun) feed(failures []report.Failure) (*pointFeed, *os.File, error) {
	path := filepath.Join(r.Dir, ChunksFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, &InputError{fmt.Errorf("engine: %w", err)}
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, &InputError{fmt.Errorf("engine: %w", err)}
	}
	// A chunks.bin that does not read, or whose checksum does not hold, is
	// damaged input: the error names it.
	feed := startFeed(r.Experiment, f, nil, failures, func() error {
		return report.CheckChunks(io.NewSectionReader(f, 0, fi.Size()))
	}, nil, func(err error) error { return inputErrorf("engine: %s: %w", path, err) })
	return feed, f, nil
}

// Report rebuilds the tables, figures, report.md and report.html of the
// run in dir from what it saved (experiment.toml and chunks.bin, which it
// reads in blocks and leaves as they are), without running anything, and
// returns the paths it wrote.
func (en *Engine) Report(dir string) (*SavedRun, []string, error) {
	if err := isRunDir(dir); err != nil {
		return nil, nil, err
	}
	lock, err := en.lockDir(dir)
	if err != nil {
		return nil, nil, err
	}
	defer lock.Unlock()
	r, err := en.ReadRun(dir)
	if err != nil {
		return nil, nil, err
	}
	if err := checkOutputPaths(dir, outputNames(r.Experiment, false)); err != nil {
		return nil, nil, err
	}
	res := r.base()
	feed, f, err := r.feed(res.Failures)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r.Results = res
	written, err := writeOutputs(dir, r.Experiment, res, feed)
	return r, written, err
}

// checkResultFiles compares results.json and the tables in r's directory
// with what r's chunks give, byte for byte, as Report would write them,
// and describes each file that differs. The tables are compared as the
// points are reduced, not held.
func checkResultFiles(r *SavedRun) []string {
	res := r.base()
	feed, f, err := r.feed(res.Failures)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	var (
		problems []string
		checks   []*fileCheck
	)
	create := func(path string) (tableFile, error) {
		c, err := openCheck(path)
		if err != nil {
			return nil, err
		}
		checks = append(checks, c)
		return c, nil
	}
	var written []string
	if err := streamTables(&written, r.Dir, r.Experiment, res, feed, create); err != nil {
		return []string{err.Error()}
	}
	var want bytes.Buffer
	path := filepath.Join(r.Dir, ResultsJSON)
	if err := report.WriteJSON(&want, res); err != nil {
		problems = append(problems, fmt.Sprintf("%s: %v", path, err))
	} else if got, err := os.ReadFile(path); err != nil {
		problems = append(problems, err.Error())
	} else if !bytes.Equal(got, want.Bytes()) {
		problems = append(problems, fmt.Sprintf("%s does not hold what %s gives%s (simrun report %s rewrites it from the chunks)", path, ChunksFile, firstDifference(got, want.Bytes()), shell.Quote(r.Dir)))
	}
	for _, c := range checks {
		if c.diff != "" {
			problems = append(problems, fmt.Sprintf("%s does not hold what %s gives: %s (simrun report %s rewrites it from the chunks)", c.path, ChunksFile, c.diff, shell.Quote(r.Dir)))
		}
	}
	return problems
}

// A fileCheck is a tableFile that writes nothing: it compares what is
// written with the file at path, and says where they first differ.
type fileCheck struct {
	path  string
	f     *os.File
	r     *bufio.Reader
	buf   []byte
	off   int64 // bytes that agree
	lines int64 // newlines in them
	diff  string
}

func openCheck(path string) (*fileCheck, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &fileCheck{path: path, f: f, r: bufio.NewReaderSize(f, 1<<20)}, nil
}

func (c *fileCheck) Write(p []byte) (int, error) {
	if c.diff != "" {
		return len(p), nil
	}
	if cap(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	got := c.buf[:len(p)]
	n, err := io.ReadFull(c.r, got)
	for i := range n {
		if got[i] != p[i] {
			c.differ(c.off+int64(i), bytes.Count(p[:i], []byte{'\n'}), "")
			return len(p), nil
		}
	}
	if err != nil {
		c.differ(c.off+int64(n), bytes.Count(p[:n], []byte{'\n'}), "the file ends there")
		return len(p), nil
	}
	c.off += int64(len(p))
	c.lines += int64(bytes.Count(p, []byte{'\n'}))
	return len(p), nil
}

// differ records the first difference, at byte off, after lines more
// newlines.
func (c *fileCheck) differ(off int64, lines int, why string) {
	c.diff = fmt.Sprintf("from byte %d on (line %d)", off, c.lines+int64(lines)+1)
	if why != "" {
		c.diff += ", where " + why
	}
}

func (c *fileCheck) Sync() error { return nil }

// Commit checks that the file ends where what was written does.
func (c *fileCheck) Commit() error {
	if c.diff == "" {
		if _, err := c.r.ReadByte(); err == nil {
			c.diff = fmt.Sprintf("it is longer: %d bytes are expected", c.off)
		}
	}
	return c.f.Close()
}

func (c *fileCheck) Abort() { c.f.Close() }

// firstDifference describes the first line where got and want differ.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf(": line %d is %q, want %q", i+1, strings.TrimSpace(g[i]), strings.TrimSpace(w[i]))
		}
	}
	return fmt.Sprintf(": %d lines, want %d", len(g), len(w))
}
