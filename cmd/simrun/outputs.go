package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

// The files a run leaves in its output directory. experiment.toml and
// chunks.bin are what `simrun report` needs to rebuild everything else.
const (
	experimentFile = "experiment.toml" // the experiment file's exact bytes
	chunksFile     = "chunks.bin"      // every chunk's accumulators, in chunk order
	resultsCSV     = "results.csv"
	resultsJSON    = "results.json"
	reportMD       = "report.md"
)

// reduce turns the chunk accumulators, laid out [point][chunk][observable],
// into per-point statistics, merging in chunk order. Only points whose
// chunks are all done and none failed are reduced; partial reports whether
// any point was left out.
func reduce(e *sim.Experiment, accs []sim.Acc, done []bool, failures []report.Failure) (points []report.PointResult, partial bool) {
	nobs := int64(len(e.Kernel.Observables))
	chunks := e.Budget.Chunks
	perPoint := make([][]sim.Acc, chunks)
	failed := make(map[int64]bool)
	for _, f := range failures {
		failed[f.Point] = true
	}
	points = make([]report.PointResult, 0, e.NumPoints())
	for pi := range e.NumPoints() {
		if failed[pi] || slices.Contains(done[pi*chunks:(pi+1)*chunks], false) {
			partial = true
			continue
		}
		for c := range chunks {
			k := (pi*chunks + c) * nobs
			perPoint[c] = accs[k : k+nobs]
		}
		p := e.Point(pi)
		stats, warns := report.ReduceAll(e.Kernel, p.Params, perPoint)
		points = append(points, report.PointResult{Index: pi, Params: p.Params, Stats: stats, Warnings: warns})
	}
	return points, partial
}

// writeOutputs writes every output file of a run into dir, each atomically:
// the inputs of `simrun report` first, then the tables, figures and report.
// It returns the paths written. If alongside is not nil, it runs while
// chunks.bin is written (the reduction that fills res.Points, on a run of
// many chunks about as long), and the tables wait for it.
func writeOutputs(dir string, e *sim.Experiment, res *report.Results, accs []sim.Acc, alongside func()) ([]string, error) {
	var written []string
	write := func(name string, f func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		if err := report.WriteFile(path, f); err != nil {
			return err
		}
		written = append(written, path)
		return nil
	}
	if err := write(experimentFile, func(w io.Writer) error { _, err := w.Write(e.Source); return err }); err != nil {
		return written, err
	}
	chunksPath := filepath.Join(dir, chunksFile)
	var chunksErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		chunksErr = report.WriteFile(chunksPath, func(w io.Writer) error {
			return report.WriteChunks(w, len(e.Kernel.Observables), e.Budget.Chunks, accs)
		})
	})
	if alongside != nil {
		alongside()
	}
	wg.Wait()
	if chunksErr != nil {
		return written, chunksErr
	}
	written = append(written, chunksPath)
	if err := write(resultsCSV, func(w io.Writer) error { return report.WriteCSV(w, res) }); err != nil {
		return written, err
	}
	if err := write(resultsJSON, func(w io.Writer) error { return report.WriteJSON(w, res) }); err != nil {
		return written, err
	}
	var pngs []string
	for _, plot := range e.Plots {
		fig, err := report.BuildFigure(e.Kernel, e.Swept(), plot, res, accs, e.Budget.Chunks)
		if err != nil {
			return written, fmt.Errorf("simrun: figure %s: %w", plot.Name, err)
		}
		for _, format := range plot.Formats {
			name := plot.Name + "." + format
			if err := write(name, func(w io.Writer) error { return report.RenderFigure(w, fig, format) }); err != nil {
				return written, fmt.Errorf("simrun: figure %s: %w", name, err)
			}
			if format == "png" {
				pngs = append(pngs, name)
			}
		}
	}
	err := write(reportMD, func(w io.Writer) error { return report.WriteMarkdown(w, res, e.Description, pngs) })
	return written, err
}

// loadRunExperiment loads the experiment.toml that a run keeps in its
// output directory dir, saying so when dir holds none.
func loadRunExperiment(dir string) (*sim.Experiment, error) {
	path := filepath.Join(dir, experimentFile)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, &inputError{fmt.Errorf("simrun: %s holds no run (no %s): give the output directory of a simrun run, such as results/pi", dir, experimentFile)}
	}
	return loadExperiment(path)
}

// loadRun reads back what a run saved in dir: the experiment, the results
// with their provenance, and the chunk accumulators. A missing or damaged
// file is bad input (exit 2), named in the error.
func loadRun(dir string) (*sim.Experiment, *report.Results, []sim.Acc, error) {
	e, res, accs, err := readRun(dir)
	if err != nil {
		var ie *inputError
		if !errors.As(err, &ie) {
			err = &inputError{err}
		}
	}
	return e, res, accs, err
}

func readRun(dir string) (*sim.Experiment, *report.Results, []sim.Acc, error) {
	e, err := loadRunExperiment(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := os.ReadFile(filepath.Join(dir, resultsJSON))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("simrun: %w", err)
	}
	res, err := report.ReadJSON(bytes.NewReader(f))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("simrun: %s: %w", filepath.Join(dir, resultsJSON), err)
	}
	c, err := os.ReadFile(filepath.Join(dir, chunksFile))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("simrun: %w", err)
	}
	nobs, cpp, accs, err := report.ReadChunks(bytes.NewReader(c))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("simrun: %s: %w", filepath.Join(dir, chunksFile), err)
	}
	total, _ := e.NumChunks()
	if nobs != len(e.Kernel.Observables) || cpp != e.Budget.Chunks || int64(len(accs)) != total*int64(nobs) {
		return nil, nil, nil, fmt.Errorf("simrun: %s does not match %s: %d observables × %d chunks per point, %d accumulators; want %d × %d, %d",
			chunksFile, experimentFile, nobs, cpp, len(accs), len(e.Kernel.Observables), e.Budget.Chunks, total*int64(len(e.Kernel.Observables)))
	}
	return e, res, accs, nil
}
