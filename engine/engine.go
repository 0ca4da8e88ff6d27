package engine

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"runtime"
	"time"

	"github.com/simrun/simrun/buildinfo"
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/runner"
	"github.com/simrun/simrun/sim"
)

// An Engine runs experiments with the kernels of one registry. Its methods
// may be called from several goroutines, on different output directories.
type Engine struct {
	// Program is the name of the command that runs this engine's
	// subcommands, in the commands it suggests ("simrun chunk FILE 3 7"
	// for a failed chunk). New sets it to "simrun"; a researcher's own
	// build (package cli) sets its binary's name.
	Program string
	// Stderr receives what the programs of kernels run as programs
	// (docs/external-kernels.md) write on their standard error when the
	// engine starts them itself: to read their spec, compute reference
	// values, or run chunks in-process. nil means os.Stderr. Worker
	// processes write to the Stderr of the run's Options.
	Stderr io.Writer

	kernels *kernels.Registry
	build   buildinfo.Info
}

// New returns an engine for the kernels of reg, which it does not copy:
// kernels registered later are known too.
func New(reg *kernels.Registry) *Engine {
	return &Engine{Program: "simrun", kernels: reg, build: buildinfo.Read()}
}

// Kernels returns the engine's registry.
func (en *Engine) Kernels() *kernels.Registry { return en.kernels }

// Serve makes this process serve as one of the worker processes of the
// engine's runs, and exit, if a run started it; otherwise it returns at
// once. Call it first in main, with an engine of the same kernels as the
// runs', before anything else can start goroutines or read flags: a worker
// is the same binary re-executed.
func (en *Engine) Serve() {
	runner.Serve(map[string]runner.Setup{chunkHandler: en.setupChunks})
}

// Load reads and validates an experiment file against the engine's
// kernels. Every problem with the file is reported, as an *InputError
// wrapping the *sim.Error values (joined) that name file, line and key.
func (en *Engine) Load(path string) (*sim.Experiment, error) {
	e, err := sim.Load(path, en.catalog())
	if err != nil {
		return nil, &InputError{err}
	}
	return e, nil
}

// LoadKernel reads only the kernel key of the experiment file at path, and
// returns the spec of the kernel it names, starting the program of a
// kernel table to read it: what the kernel takes and gives, while the
// rest of the file may still be unwritten. Problems are *InputErrors.
func (en *Engine) LoadKernel(path string) (sim.KernelSpec, *sim.Program, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return sim.KernelSpec{}, nil, &InputError{fmt.Errorf("engine: %w", err)}
	}
	spec, prog, err := sim.ParseKernel(path, data, en.catalog())
	if err != nil {
		return sim.KernelSpec{}, nil, &InputError{err}
	}
	return spec, prog, nil
}

// kernel returns the Go kernel that runs e.
func (en *Engine) kernel(e *sim.Experiment) (kernels.Kernel, error) {
	k, ok := en.kernels.Kernel(e.Kernel.Name)
	if !ok {
		return nil, fmt.Errorf("engine: no kernel %q in this binary", e.Kernel.Name)
	}
	return k, nil
}

// KernelModule names the module that provides k, as "path@version", for
// provenance ("path" alone for the main module; "" when unknown).
func (en *Engine) KernelModule(k kernels.Kernel) string {
	t := reflect.TypeOf(k)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return en.build.ModuleOf(t.PkgPath())
}

// A Stall is a chunk that has been running far longer than chunks took
// so far, on a worker that has stopped answering; the chunks queued
// behind it were moved to other workers (runner's "Stalled workers").
type Stall struct {
	Worker, PID  int
	Point, Chunk int64
	Running      time.Duration
}

// An InputError is a problem with what the caller gave (an experiment
// file, an output directory, a journal or shard of another experiment, a
// damaged results file) rather than a failure of the run: the user's to
// fix. The simrun command exits with status 2 for it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// inputErrorf returns an *InputError with a formatted message.
func inputErrorf(format string, args ...any) error {
	return &InputError{fmt.Errorf(format, args...)}
}

// DefaultGrace is how long the chunks running when a run is cancelled may
// go on, to be journaled, before their workers are killed.
const DefaultGrace = 10 * time.Second

// Options say how Run runs an experiment. The zero Options run the whole
// experiment on runtime.NumCPU() worker processes into the directory the
// file names, with the file's [run] settings.
type Options struct {
	// Dir is the output directory; "" means the file's [output] dir.
	Dir string
	// Workers is the number of workers; 0 means runtime.NumCPU().
	Workers int
	// InProcess runs chunks on goroutines of this process instead of
	// worker processes: the same results, no isolation, no time limits.
	InProcess bool
	// Force discards the chunks journaled in the output directory.
	Force bool
	// Run overrides the file's [run] table (retries, timeout, on_error).
	Run *sim.RunSettings
	// Shard, if set, runs only that shard's chunks, journaling them in
	// Dir/shards/I-of-N, for Merge to combine.
	Shard *Shard
	// Grace is how long chunks running when ctx is done may finish; 0
	// means DefaultGrace, and a negative Grace stops them at once.
	Grace time.Duration
	// Progress, if set, is called from one goroutine each time chunks are
	// journaled, with the count done by this run and the count it runs.
	Progress func(done, total int64)
	// Stalls, if set, is called once the workers have started, with a
	// function that reports the chunks whose workers have stopped
	// answering (runner.Pool.Stalled), for a progress display to call
	// while no chunk completes; it returns nil once the run has ended.
	Stalls func(current func() []Stall)
	// Logger receives notices (resuming from a journal, stopping after a
	// cancellation) at level Info and the worker pool's events (a worker
	// died, at Warn; started, at Debug). nil means slog.Default().
	Logger *slog.Logger
	// Stderr receives what worker processes print, line by line, prefixed
	// "worker N: "; nil means os.Stderr.
	Stderr io.Writer
}

func (o Options) withDefaults(e *sim.Experiment) Options {
	if o.Dir == "" {
		o.Dir = e.Output.Dir
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.Run == nil {
		o.Run = &e.Run
	}
	switch {
	case o.Grace == 0:
		o.Grace = DefaultGrace
	case o.Grace < 0:
		o.Grace = 0
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	return o
}
