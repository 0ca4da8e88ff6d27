package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/runner"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// runOptions are the run subcommand's flags.
type runOptions struct {
	workers   int
	inProcess bool
	out       string
	quiet     bool
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o runOptions
	fs := newFlagSet("run", "[flags] FILE", stderr)
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "number of worker `N` (processes, or goroutines with --inprocess)")
	fs.BoolVar(&o.inProcess, "inprocess", false, "run chunks on goroutines in this process instead of worker processes (same results)")
	fs.StringVar(&o.out, "out", "", "write results to `DIR` instead of the directory the file names")
	fs.BoolVar(&o.quiet, "quiet", false, "print no progress and no summary")
	pos, err := parseFlags(fs, args)
	if err != nil {
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("simrun run: want one experiment file, got %d arguments", len(pos))
	}
	if o.workers < 1 {
		return usagef("simrun run: --workers %d: want at least 1", o.workers)
	}
	e, err := loadExperiment(pos[0])
	if err != nil {
		return err
	}
	if err := e.CheckRunnable(); err != nil {
		return &inputError{err}
	}
	dir := o.out
	if dir == "" {
		dir = e.Output.Dir
	}
	if err := prepareOutDir(dir); err != nil {
		return &inputError{err}
	}
	res, accs, err := execute(ctx, e, o, stderr)
	if err != nil {
		return err
	}
	written, err := writeOutputs(dir, e, res, accs)
	if err != nil {
		return err
	}
	if !o.quiet {
		if err := report.Summary(stdout, res); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %d files in %s: %s\n", len(written), dir, baseNames(written))
	}
	return nil
}

// loadExperiment loads and validates an experiment file; its errors are
// the user's to fix.
func loadExperiment(path string) (*sim.Experiment, error) {
	e, err := sim.Load(path, kernels.Default)
	if err != nil {
		return nil, &inputError{err}
	}
	return e, nil
}

func baseNames(paths []string) string {
	var b strings.Builder
	for i, p := range paths {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(filepath.Base(p))
	}
	return b.String()
}

// prepareOutDir creates dir and checks that files can be created in it, so
// that an unwritable directory is reported before any work is done.
func prepareOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("simrun: cannot create output directory: %w; choose another with --out DIR", err)
	}
	f, err := os.CreateTemp(dir, ".simrun-probe-*")
	if err != nil {
		return fmt.Errorf("simrun: output directory %s is not writable: %w; choose another with --out DIR", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// execute runs every chunk of e and reduces them, point by point, in chunk
// order: the statistics do not depend on which worker ran what, or when.
func execute(ctx context.Context, e *sim.Experiment, o runOptions, stderr io.Writer) (*report.Results, []sim.Acc, error) {
	start := time.Now()
	nobs := len(e.Kernel.Observables)
	chunks := e.Budget.Chunks
	total, _ := e.NumChunks() // CheckRunnable bounded it
	accs := make([]sim.Acc, total*int64(nobs))

	pool, err := runner.Start(ctx, runner.Config{
		Handler:   chunkHandler,
		Init:      encodeInit(e),
		Workers:   o.workers,
		InProcess: o.inProcess,
		Stderr:    stderr,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("simrun: starting workers for %s: %w", e.File, err)
	}
	prog := startProgress(stderr, total, o.quiet)
	err = pool.Stream(ctx, int(total),
		func(i int, dst []byte) []byte { return binary.AppendUvarint(dst, uint64(i)) },
		func(i int, out []byte, err error) error {
			point, chunk := int64(i)/chunks, int64(i)%chunks
			if err == nil {
				err = decodeAccs(out, accs[int64(i)*int64(nobs):int64(i+1)*int64(nobs)])
			}
			if err != nil {
				p := e.Point(point)
				return fmt.Errorf("simrun: %s: point %d (%s), chunk %d, seed %d: %w", e.File, point, p.Key, chunk, e.Seed, err)
			}
			prog.done.Add(1)
			return nil
		})
	prog.stop()
	if cerr := pool.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("simrun: stopping workers: %w", cerr)
	}
	if err != nil {
		var intr *interrupted
		if errors.As(context.Cause(ctx), &intr) {
			return nil, nil, context.Cause(ctx)
		}
		return nil, nil, err
	}
	end := time.Now()

	res := &report.Results{Provenance: provenance(e, o, start, end), Points: reduce(e, accs)}
	return res, accs, nil
}

func provenance(e *sim.Experiment, o runOptions, start, end time.Time) report.Provenance {
	version, revision, modified := report.ReadBuildInfo()
	host, _ := os.Hostname()
	executor := "processes"
	if o.inProcess {
		executor = "in-process"
	}
	return report.Provenance{
		File:        e.File,
		FileSHA256:  e.SHA256,
		Experiment:  e.Name,
		Kernel:      e.Kernel.Name,
		Seed:        e.Seed,
		SeedScheme:  sim.SeedScheme,
		Generator:   rng.Algorithm,
		Version:     version,
		Revision:    revision,
		Modified:    modified,
		GoVersion:   runtime.Version(),
		OS:          runtime.GOOS,
		Arch:        runtime.GOARCH,
		NumCPU:      runtime.NumCPU(),
		Workers:     o.workers,
		Executor:    executor,
		Start:       start.UTC(),
		End:         end.UTC(),
		WallSeconds: end.Sub(start).Seconds(),
		Host:        host,
		Command:     os.Args,
	}
}
