package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
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
	force     bool
	grace     time.Duration
	settings  sim.RunSettings // the file's [run] table, overridden by flags
	shard     *shard          // run only this shard's chunks, into its directory
}

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o runOptions
	var retries int
	var timeout time.Duration
	var onError string
	fs := newFlagSet("run", "[flags] FILE", stderr)
	fs.IntVar(&o.workers, "workers", runtime.NumCPU(), "number of worker `N` (processes, or goroutines with --inprocess)")
	fs.BoolVar(&o.inProcess, "inprocess", false, "run chunks on goroutines in this process instead of worker processes (same results)")
	fs.StringVar(&o.out, "out", "", "write results to `DIR` instead of the directory the file names")
	fs.BoolVar(&o.quiet, "quiet", false, "print no progress and no summary")
	fs.BoolVar(&o.force, "force", false, "discard the chunks journaled in the output directory and start over")
	fs.DurationVar(&o.grace, "grace", 10*time.Second, "after SIGINT or SIGTERM, wait up to `D` for running chunks before stopping them")
	fs.IntVar(&retries, "retries", sim.DefaultRun.Retries, "rerun a chunk whose worker died at most `N` times (overrides [run] retries)")
	fs.DurationVar(&timeout, "timeout", 0, "time limit `D` of one chunk, such as 10m; 0 for none (overrides [run] timeout)")
	fs.StringVar(&onError, "on-error", sim.OnErrorStop, "what a failed chunk does: `stop` the run, or continue with its point marked failed (overrides [run] on_error)")
	shardFlag := fs.String("shard", "", "run only shard `I/N` of the chunks, into OUTDIR/shards/I-of-N (default in a Slurm array task: from SLURM_ARRAY_TASK_ID)")
	pos, err := parseArgs(fs, args, 1, "one experiment file")
	if err != nil {
		return err
	}
	if o.workers < 1 {
		return usagef("simrun run: --workers %d: want at least 1", o.workers)
	}
	if onError != sim.OnErrorStop && onError != sim.OnErrorContinue {
		return usagef("simrun run: --on-error %q: want %q or %q", onError, sim.OnErrorStop, sim.OnErrorContinue)
	}
	if retries < 0 || timeout < 0 {
		return usagef("simrun run: --retries and --timeout must not be negative")
	}
	workersSet := false
	fs.Visit(func(f *flag.Flag) { workersSet = workersSet || f.Name == "workers" })
	if *shardFlag != "" {
		s, err := parseShard(*shardFlag)
		if err != nil {
			return usagef("simrun run: %v", err)
		}
		o.shard = &s
	} else if s, ok, err := slurmShard(os.Getenv); err != nil {
		return &inputError{err}
	} else if ok {
		o.shard = &s
	}
	if c := os.Getenv("SLURM_CPUS_PER_TASK"); c != "" && !workersSet {
		if n, err := strconv.Atoi(c); err == nil && n > 0 {
			o.workers = n
		}
	}
	e, err := loadExperiment(pos[0])
	if err != nil {
		return err
	}
	if err := e.CheckRunnable(); err != nil {
		return &inputError{err}
	}
	o.settings = e.Run
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "retries":
			o.settings.Retries = retries
		case "timeout":
			o.settings.Timeout = timeout
		case "on-error":
			o.settings.OnError = onError
		}
	})
	dir := o.out
	if dir == "" {
		dir = e.Output.Dir
	}
	if o.shard != nil {
		total, _ := e.NumChunks()
		if int64(o.shard.Count) > total {
			return usagef("simrun run: --shard %s: the experiment has only %d chunks; use at most %d shards", o.shard, total, total)
		}
		dir = shardDir(dir, o.shard.Index, o.shard.Count)
	}
	if err := prepareOutDir(dir); err != nil {
		return &inputError{err}
	}
	return runExperiment(ctx, e, dir, o, stdout, stderr)
}

// runExperiment runs the chunks of e that the journal in dir does not hold
// yet, then writes every output. However it stops (done, a failed chunk, an
// interrupt), the chunks completed so far are in the journal and the
// outputs describe them, marked partial when points are missing.
func runExperiment(ctx context.Context, e *sim.Experiment, dir string, o runOptions, stdout, stderr io.Writer) error {
	start := time.Now()
	total, _ := e.NumChunks() // CheckRunnable bounded it
	accs := make([]sim.Acc, total*int64(len(e.Kernel.Observables)))
	done := make([]bool, total)
	// The experiment's bytes go first, so that `simrun status` can read a
	// run in progress; writeOutputs writes the same bytes again.
	if err := report.WriteFile(filepath.Join(dir, experimentFile), func(w io.Writer) error { _, err := w.Write(e.Source); return err }); err != nil {
		return err
	}
	j, reused, err := openJournal(dir, e, o.force, accs, done)
	if err != nil {
		return err
	}
	if reused > 0 && !o.quiet {
		fmt.Fprintf(stderr, "resuming: %d of %d chunks are already in %s\n", reused, total, filepath.Join(dir, journalFile))
	}
	failures, runErr := execute(ctx, e, o, j, accs, done, stderr)
	closeJournal := func() {
		if err := j.Close(); err != nil && runErr == nil {
			runErr = fmt.Errorf("simrun: %w", err)
		}
	}
	if o.shard != nil {
		closeJournal()
		return finishShard(e, dir, o, done, failures, runErr, stdout)
	}
	res := &report.Results{Provenance: provenance(e, o, start, time.Now()), Failures: failures}
	// The journal's final sync and the reduction run while chunks.bin is
	// written: after the last chunk, nothing else is left to do.
	written, err := writeOutputs(dir, e, res, accs, func() {
		closeJournal()
		res.Points, res.Partial = reduce(e, accs, done, failures)
	})
	if err != nil {
		return errors.Join(runErr, err)
	}
	if !o.quiet {
		if err := report.Summary(stdout, res); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nwrote %d files in %s: %s\n", len(written), dir, baseNames(written))
	}
	if runErr != nil {
		return runErr
	}
	if len(failures) > 0 {
		return fmt.Errorf("simrun: %s: %d %s failed; see the summary and %s", e.File, len(failures), pluralWord(len(failures), "chunk", "chunks"), filepath.Join(dir, resultsJSON))
	}
	return nil
}

// count formats a count with its noun: "1 point", "3 points".
func count(n int64, noun string) string {
	return fmt.Sprintf("%d %s", n, pluralWord(int(n), noun, noun+"s"))
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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

// execute runs the chunks not marked done, on a pool of workers, storing
// each result in accs and appending it to the journal as it arrives. It
// returns the failed chunks, and an error if the run stopped early: an
// interrupt (the cause of ctx), a failed chunk under on_error = "stop", or a
// journal that cannot be written.
func execute(ctx context.Context, e *sim.Experiment, o runOptions, j *runner.Journal, accs []sim.Acc, done []bool, stderr io.Writer) ([]report.Failure, error) {
	nobs := int64(len(e.Kernel.Observables))
	chunks := e.Budget.Chunks
	var missing []int64
	for i, d := range done {
		if !d && (o.shard == nil || o.shard.owns(int64(i))) {
			missing = append(missing, int64(i))
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	// The pool outlives an interrupt by the grace period, so that running
	// chunks can finish and be journaled; Stream stops dispatching at once.
	pool, err := runner.Start(context.WithoutCancel(ctx), runner.Config{
		Handler:     chunkHandler,
		Init:        encodeInit(e),
		Workers:     o.workers,
		InProcess:   o.inProcess,
		Stderr:      stderr,
		Retries:     o.settings.Retries,
		TaskTimeout: o.settings.Timeout,
	})
	if err != nil {
		return nil, fmt.Errorf("simrun: starting workers for %s: %w", e.File, err)
	}
	stopGrace := context.AfterFunc(ctx, func() {
		if !o.quiet {
			what := "stopping"
			var intr *interrupted
			if errors.As(context.Cause(ctx), &intr) {
				what = signalName(intr.sig)
			}
			fmt.Fprintf(stderr, "\nsimrun: %s: finishing the running chunks (up to %s; signal again to stop now)\n", what, o.grace)
		}
		time.AfterFunc(o.grace, func() { pool.Kill() })
	})
	defer stopGrace()

	var failures []report.Failure
	// Records of results not yet journaled: they are written, one
	// write(2) per group of results that arrived together, before any
	// more chunks are sent.
	var buf []byte
	var recs [][]byte
	var pending []int64
	lastPoint, lastKey := int64(-1), ""
	prog := startProgress(stderr, int64(len(missing)), o.quiet)
	err = pool.StreamFlush(ctx, len(missing),
		func(k int, dst []byte) []byte { return binary.AppendUvarint(dst, uint64(missing[k])) },
		func(k int, out []byte, err error) error {
			i := missing[k]
			point, chunk := i/chunks, i%chunks
			if point != lastPoint {
				lastPoint, lastKey = point, e.Point(point).Key
			}
			if err == nil {
				err = decodeAccs(out, accs[i*nobs:(i+1)*nobs])
			}
			if err != nil {
				f := failure(e, point, lastKey, chunk, err)
				failures = append(failures, f)
				if o.settings.OnError == sim.OnErrorContinue {
					return nil
				}
				return fmt.Errorf("simrun: %s: point %d (%s), chunk %d, seed %d: %s\nrerun this chunk in-process: %s", e.File, point, lastKey, chunk, e.Seed, f.Error, f.Rerun)
			}
			start := len(buf)
			buf = appendRecord(buf, lastKey, chunk, e.Budget.ChunkSamples(chunk), out)
			recs = append(recs, buf[start:len(buf):len(buf)])
			pending = append(pending, i)
			return nil
		},
		func() error {
			if len(recs) == 0 {
				return nil
			}
			if err := appendJournal(j, recs); err != nil {
				return fmt.Errorf("simrun: %w; the chunks journaled so far are kept, and a later run resumes from them", err)
			}
			for _, i := range pending {
				done[i] = true
			}
			prog.done.Add(int64(len(pending)))
			buf, recs, pending = buf[:0], recs[:0], pending[:0]
			return nil
		})
	prog.stop()
	if cerr := pool.Close(); err == nil && cerr != nil && ctx.Err() == nil {
		err = fmt.Errorf("simrun: stopping workers: %w", cerr)
	}
	if cause := context.Cause(ctx); cause != nil {
		return failures, cause
	}
	return failures, err
}

// appendJournal appends records in one write; tests replace it to fill
// the disk.
var appendJournal = (*runner.Journal).AppendBatch

// failure describes a failed chunk for the results and the user.
func failure(e *sim.Experiment, point int64, key string, chunk int64, err error) report.Failure {
	msg := err.Error()
	var te *runner.TaskError
	var we *runner.WorkerError
	switch {
	case errors.As(err, &te) && te.Panic:
		msg = "kernel panicked: " + te.Msg + "\n" + te.Stack
	case errors.As(err, &te):
		msg = "kernel error: " + te.Msg
	case errors.As(err, &we) && we.Stderr != "":
		msg = err.Error() + "; its last output:\n" + we.Stderr
	}
	return report.Failure{Point: point, Key: key, Chunk: chunk, Error: msg, Rerun: rerunCommand(e, point, chunk)}
}

func provenance(e *sim.Experiment, o runOptions, start, end time.Time) report.Provenance {
	version, revision, modified := report.ReadBuildInfo()
	host, _ := os.Hostname()
	executor := "processes"
	if o.inProcess {
		executor = "in-process"
	}
	return report.Provenance{
		File:          e.File,
		FileSHA256:    e.SHA256,
		Experiment:    e.Name,
		Kernel:        e.Kernel.Name,
		KernelVersion: e.Kernel.Version,
		Seed:          e.Seed,
		SeedScheme:    sim.SeedScheme,
		Generator:     rng.Algorithm,
		Version:       version,
		Revision:      revision,
		Modified:      modified,
		GoVersion:     runtime.Version(),
		OS:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		NumCPU:        runtime.NumCPU(),
		Workers:       o.workers,
		Executor:      executor,
		Start:         start.UTC(),
		End:           end.UTC(),
		WallSeconds:   end.Sub(start).Seconds(),
		Host:          host,
		Command:       os.Args,
	}
}

// finishShard ends a shard's run: its journal holds its chunks, beside the
// experiment's bytes, which merge checks are the same in every shard.
func finishShard(e *sim.Experiment, dir string, o runOptions, done []bool, failures []report.Failure, runErr error, stdout io.Writer) error {
	var have, owned int64
	for g, d := range done {
		if o.shard.owns(int64(g)) {
			owned++
			if d {
				have++
			}
		}
	}
	if !o.quiet {
		fmt.Fprintf(stdout, "shard %s: %d of %d chunks in %s\n", o.shard, have, owned, filepath.Join(dir, journalFile))
	}
	switch {
	case runErr != nil:
		return runErr
	case len(failures) > 0:
		return fmt.Errorf("simrun: shard %s: %d %s failed: %s", o.shard, len(failures), pluralWord(len(failures), "chunk", "chunks"), failures[0].Error)
	}
	return nil
}
