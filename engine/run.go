package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/simrun/simrun/internal/atomicfile"
	"github.com/simrun/simrun/internal/dirlock"
	"github.com/simrun/simrun/internal/words"
	"github.com/simrun/simrun/journal"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/runner"
	"github.com/simrun/simrun/sim"
)

// An Outcome is what Run, Merge or Report did.
type Outcome struct {
	Dir string // the directory written: the output directory, or the shard's
	// Results are the statistics written, marked Partial when points are
	// missing; nil for a shard, whose chunks only Merge reduces.
	Results *report.Results
	Written []string // the paths of the files written
	Reused  int64    // chunks taken from the journal instead of run
	// Done and Total count the chunks this run (or shard) owns that are
	// journaled, and all it owns.
	Done, Total int64
	Failures    []report.Failure
	Shards      int // for Merge: the number of shards merged
	// UpToDate reports a Run that had nothing to do and wrote nothing:
	// the directory held the complete outputs of this experiment, made by
	// this binary. Results is then its results.json as read, with Points
	// empty beyond report.JSONPoints.
	UpToDate bool
}

// Run runs the chunks of e that the journal in the output directory does
// not hold yet, then writes every output (or, for a shard, its journal
// only). However it stops (done, a failed chunk, ctx done), the chunks
// completed so far are in the journal and the outputs describe them,
// marked partial when points are missing; the Outcome is returned with
// the error whenever outputs were written.
//
// The error is context.Cause(ctx) when ctx ended the run, an
// *InputError for an unusable output directory or journal, and otherwise
// says which chunk failed and how to rerun it. Under on_error =
// "continue", the run goes on past failed chunks and the error counts
// them.
func (en *Engine) Run(ctx context.Context, e *sim.Experiment, o Options) (*Outcome, error) {
	o = o.withDefaults(e)
	if err := e.CheckRunnable(); err != nil {
		return nil, &InputError{err}
	}
	dir := o.Dir
	if o.Shard != nil {
		if e.Budget.Adaptive() {
			return nil, inputErrorf("engine: shard %s: %s samples its points to a target ([samples.target]), and its shards cannot take the decisions, which need every chunk of a point: run it whole, without --shard, or give it a fixed budget", o.Shard, e.File)
		}
		total, _ := e.NumChunks()
		if int64(o.Shard.Count) > total {
			return nil, inputErrorf("engine: shard %s: %s has only %d chunks; use at most %d shards", o.Shard, e.File, total, total)
		}
		dir = ShardDir(dir, *o.Shard)
	}
	lock, err := en.lockDir(dir)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := checkOutputPaths(dir, outputNames(e, o.Shard != nil)); err != nil {
		return nil, err
	}
	if !o.Force {
		if err := en.checkPriorRun(dir, e); err != nil {
			return nil, err
		}
		if o.Shard == nil {
			if out, ok := en.upToDate(dir, e); ok {
				return out, nil
			}
			if err := en.restoreJournal(dir); err != nil {
				return nil, err
			}
		}
	}
	start := time.Now()
	t, err := newChunkStore(dir, e.Layout(), e.NumPoints(), o.Shard)
	if err != nil {
		return nil, err
	}
	// Until the run has written its outputs, the temporary chunks.bin
	// goes on any error.
	defer t.abort()
	// Nothing is written before the journal is known to be of this
	// experiment. Then the experiment's bytes, so that Status can read a
	// run in progress; writeOutputs writes the same bytes again.
	j, reused, foreign, format, err := en.openJournal(dir, e, o.Force, t)
	if err != nil {
		return nil, err
	}
	// The history of the runs whose chunks this one resumes from.
	var prior []report.RunRecord
	if reused > 0 && o.Shard == nil {
		prior = priorRuns(dir)
	}
	var written []string
	if err := writeSource(&written, dir, e); err != nil {
		j.Close()
		return nil, err
	}
	if o.Shard != nil {
		// What a batch log should open with: which part of what this is.
		own, have := o.Shard.size(t.Len()), reused
		o.Logger.Info(fmt.Sprintf("shard %s of %s: %d of its %d chunks, %s to run; %d journaled already in %s",
			o.Shard, e.File, own, t.Len(), words.Count(own-have, "chunk"), have, filepath.Join(dir, JournalFile)))
	} else if reused > 0 {
		of := fmt.Sprint(t.Len())
		if e.Budget.Adaptive() {
			of = "at most " + of
		}
		o.Logger.Info(fmt.Sprintf("resuming: %d of %s chunks are already in %s", reused, of, filepath.Join(dir, JournalFile)))
	}
	// A run's outputs are written as its points are done, beside the run.
	res := &report.Results{}
	var (
		outWritten []string
		outErr     error
		outDone    chan struct{}
	)
	if o.Shard == nil {
		feed, err := t.startFeed(e)
		if err != nil {
			j.Close()
			return nil, err
		}
		outDone = make(chan struct{})
		go func() {
			defer close(outDone)
			outWritten, outErr = writeOutputs(dir, e, res, feed)
		}()
	}
	x := &execution{en: en, e: e, o: o, j: j, format: format, t: t}
	runErr := x.run(ctx)
	closeJournal := func() {
		if err := j.Close(); err != nil && runErr == nil {
			runErr = fmt.Errorf("engine: %w", err)
		}
	}
	out := &Outcome{Dir: dir, Reused: reused, Failures: x.failures, Done: reused + x.done, Total: t.needed()}
	if o.Shard != nil {
		out.Total = o.Shard.size(t.Len())
	}
	if o.Shard != nil {
		closeJournal()
		out.Written = written
		if err := saveShardFailures(dir, x.failures); err != nil && runErr == nil {
			runErr = err
		}
		if runErr == nil && len(x.failures) > 0 {
			runErr = fmt.Errorf("engine: shard %s: %s failed: %s", o.Shard, words.Count(int64(len(x.failures)), "chunk"), x.failures[0].Error)
		}
		return out, runErr
	}
	executor := "processes"
	if o.InProcess {
		executor = "in-process"
	}
	res.Provenance = withRun(en.provenance(e, o.Workers, executor, start, time.Now()), prior, x.done, reused)
	res.Failures = x.failures
	// A run that ends with every chunk in chunks.bin removes its journal
	// once chunks.bin is durable (compactJournal), unsynced: syncing it
	// would write to disk, beside chunks.bin, as many bytes only to
	// delete them, and on trivial chunks that was a third of the run.
	// Otherwise the journal's final sync runs while chunks.bin is
	// completed and the rest of the points reduced from it and written.
	complete := runErr == nil && len(x.failures) == 0 && !foreign
	journalClosed := make(chan struct{})
	if complete {
		close(journalClosed)
	} else {
		go func() { closeJournal(); close(journalClosed) }()
	}
	t.feed(x.failures) // its error is the feed's, and so outErr's
	<-outDone
	out.Written, err = outWritten, outErr
	<-journalClosed
	if complete {
		if err == nil && !res.Partial {
			if err := compactJournal(j); err != nil {
				return nil, err
			}
		} else {
			closeJournal() // its records are the only copy
		}
	}
	if err != nil {
		return nil, errors.Join(runErr, err)
	}
	out.Results = res
	if runErr == nil && len(x.failures) > 0 {
		runErr = fmt.Errorf("engine: %s: %s failed; see the summary and %s", e.File, words.Count(int64(len(x.failures)), "chunk"), filepath.Join(dir, ResultsJSON))
	}
	return out, runErr
}

// lockDir creates dir if need be, checks that files can be created in it,
// so that an unwritable directory is reported before any work is done,
// and takes its one writer's lock (dirlock): another run, merge or report
// writing there is an *InputError naming it. Temporary files that a killed
// writer left behind are removed, now that no writer can be making them.
func (en *Engine) lockDir(dir string) (*dirlock.Lock, error) {
	if err := prepareOutDir(dir); err != nil {
		return nil, &InputError{err}
	}
	lock, err := dirlock.Acquire(dir, strings.Join(os.Args, " "))
	if err != nil {
		return nil, &InputError{fmt.Errorf("engine: %w", err)}
	}
	atomicfile.RemoveTemps(dir)
	return lock, nil
}

// checkPriorRun refuses a directory that holds the run of another
// experiment and no journal (one removed by hand): its experiment.toml,
// results and figures would otherwise be mixed with this run's. With a
// journal, openJournal checks the journal's header instead.
func (en *Engine) checkPriorRun(dir string, e *sim.Experiment) error {
	if _, err := os.Lstat(filepath.Join(dir, JournalFile)); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	path := filepath.Join(dir, ExperimentFile)
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil && bytes.Equal(src, e.Source) {
		return nil
	}
	var why string
	if err != nil {
		why = err.Error()
	} else if prior, perr := en.loadSaved(dir, path, src); perr != nil {
		why = "it does not load: " + perr.Error()
	} else {
		why = newJournalHeader(prior).compatible(newJournalHeader(e))
	}
	if why == "" {
		return nil
	}
	return inputErrorf("engine: %s holds the outputs of another experiment and no journal (%s: %s); use another --out DIR, or --force to replace them", dir, path, why)
}

// prepareOutDir creates dir and checks that files can be created in it, so
// that an unwritable directory is reported before any work is done.
func prepareOutDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("engine: cannot create output directory: %w; choose another with --out DIR", err)
	}
	f, err := os.CreateTemp(dir, ".simrun-probe-*")
	if err != nil {
		return fmt.Errorf("engine: output directory %s is not writable: %w; choose another with --out DIR", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// An execution runs the chunks of one Run that are not done.
type execution struct {
	en       *Engine
	e        *sim.Experiment
	o        Options
	j        *journal.Journal
	format   string // the journal's
	t        *chunkStore
	failures []report.Failure

	// The chunks to run, and, while they arrive, the journal records of
	// results not journaled yet (batch). Each group of results that
	// arrived together goes to the journal's writer, a goroutine that
	// appends it in one write(2) and puts its chunks in t, while the
	// stream sends more chunks and takes more results. A record holds a
	// run of chunks (recordBatch): one write of the key and the framing
	// for a worker's batch of results, not one a chunk.
	missing   taskList
	batch     *recordBatch
	toWriter  chan *recordBatch
	free      chan *recordBatch
	written   chan struct{} // closed when the writer is done
	writerErr atomic.Pointer[error]
	done      int64 // chunks journaled, counted by the writer
	planned   int64 // chunks given to the pool, in every wave so far
	// The point of the last result, whose key its record carries.
	lastPoint int64
	lastKey   []byte // of lastPoint
}

// startWriter starts the journal's writer.
func (x *execution) startWriter() {
	x.batch = x.newBatch()
	x.toWriter, x.free = make(chan *recordBatch, 2), make(chan *recordBatch, 3)
	x.written = make(chan struct{})
	go func() {
		defer close(x.written)
		for b := range x.toWriter {
			if x.writerErr.Load() == nil {
				if err := x.write(b); err != nil {
					x.writerErr.Store(&err)
				}
			}
			b.reset()
			select {
			case x.free <- b:
			default:
			}
		}
	}()
}

// stopWriter waits for the writer to journal what it was given, and
// returns its error.
func (x *execution) stopWriter() error {
	close(x.toWriter)
	<-x.written
	if err := x.writerErr.Load(); err != nil {
		return *err
	}
	return nil
}

// write journals b and puts its chunks in t.
func (x *execution) write(b *recordBatch) error {
	recs := b.records()
	if err := appendJournal(x.j, recs); err != nil {
		return fmt.Errorf("engine: %w; the chunks journaled so far are kept, and a later run resumes from them", err)
	}
	// A record ends with its chunks' accumulators.
	size := x.t.size
	for i, r := range b.runs {
		accs := recs[i][len(recs[i])-r.n*size:]
		for k := range r.n {
			if err := x.t.put(r.g+int64(k)*b.step, accs[k*size:(k+1)*size]); err != nil {
				return err
			}
		}
		x.done += int64(r.n)
	}
	if x.o.Progress != nil {
		x.o.Progress(x.done, x.planned)
	}
	return nil
}

// checkCount refuses more chunks to run than a stream of this build can
// count.
func (x *execution) checkCount() error {
	if x.missing.Len() > math.MaxInt {
		return fmt.Errorf("engine: %s: %d chunks to run, more than this %d-bit build can count: run it in shards, or with a 64-bit simrun", x.e.File, x.missing.Len(), strconv.IntSize)
	}
	return nil
}

// run stores each result in t and appends it to the journal as it
// arrives. It returns an error if the run stopped early: the cause of
// ctx, a failed chunk under on_error = "stop", or a journal that cannot
// be written.
func (x *execution) run(ctx context.Context) error {
	x.missing.step = 1
	first := int64(0)
	if s := x.o.Shard; s != nil {
		x.missing.step, first = int64(s.Count), int64(s.Index)
	}
	adaptive := x.e.Budget.Adaptive()
	if adaptive {
		if err := x.nextWave(); err != nil {
			return err
		}
	} else {
		for g := first; g < x.t.Len(); g += x.missing.step {
			if !x.t.Done(g) {
				x.missing.add(g)
			}
		}
	}
	if x.missing.Len() == 0 {
		return nil
	}
	if err := x.checkCount(); err != nil {
		return err
	}
	cfg := x.en.poolConfig(x.e)
	cfg.Workers, cfg.InProcess = x.o.Workers, x.o.InProcess
	cfg.Stderr, cfg.Logger = x.o.Stderr, x.o.Logger
	cfg.Retries, cfg.TaskTimeout = x.o.Run.Retries, x.o.Run.Timeout
	if x.e.Program != nil {
		// A program answers a batch of chunks at a time, and each batch
		// costs a round trip through two more processes: with more work
		// queued, it works on the next batch while one travels, and there
		// are fewer of them. The last chunks of a run are still spread
		// over the workers within about this much work.
		cfg.Queued = programQueued
	}
	// The pool outlives a cancellation by the grace period, so that
	// running chunks can finish and be journaled; Stream stops
	// dispatching at once.
	pool, err := runner.Start(context.WithoutCancel(ctx), cfg)
	if err != nil {
		return fmt.Errorf("engine: starting workers for %s: %w", x.e.File, err)
	}
	stopGrace := context.AfterFunc(ctx, func() {
		x.o.Logger.Info(fmt.Sprintf("stopping: finishing the running chunks (up to %s)", x.o.Grace))
		time.AfterFunc(x.o.Grace, func() { pool.Kill() })
	})
	defer stopGrace()
	if x.o.Stalls != nil {
		var ended atomic.Bool
		defer ended.Store(true)
		x.o.Stalls(func() []Stall {
			if ended.Load() {
				return nil
			}
			var out []Stall
			for _, s := range pool.Stalled() {
				if s.Task >= 0 && int64(s.Task) < x.missing.Len() {
					p, c := x.t.Split(x.missing.at(int64(s.Task)))
					out = append(out, Stall{Worker: s.Worker, PID: s.PID, Point: p, Chunk: c, Running: s.Running})
				}
			}
			return out
		})
	}

	x.lastPoint = -1
	// A fixed budget's chunks go in one stream. An adaptive budget's go in
	// waves, one round of every point that has not stopped each, the
	// pool kept: after each, the decisions are taken on the chunks
	// journaled (nextWave).
	for {
		x.planned += x.missing.Len()
		x.startWriter()
		err = pool.StreamFlush(ctx, int(x.missing.Len()),
			func(k int, dst []byte) []byte { return appendTask(dst, x.missing.at(int64(k))) },
			x.result, x.flush)
		if ferr := x.flush(); err == nil {
			err = ferr
		}
		if werr := x.stopWriter(); err == nil {
			err = werr
		}
		if err != nil || !adaptive || ctx.Err() != nil {
			break
		}
		if err = x.nextWave(); err != nil || x.missing.Len() == 0 {
			break
		}
		if err = x.checkCount(); err != nil {
			break
		}
	}
	if cerr := pool.Close(); err == nil && cerr != nil && ctx.Err() == nil {
		err = fmt.Errorf("engine: stopping workers: %w", cerr)
	}
	if x.o.Progress != nil {
		x.o.Progress(x.done, x.planned)
	}
	if cause := context.Cause(ctx); cause != nil {
		return cause
	}
	return err
}

// result takes the result of the k-th missing chunk.
func (x *execution) result(k int, out []byte, err error) error {
	g := x.missing.at(int64(k))
	point, chunk := x.t.Split(g)
	if point != x.lastPoint {
		x.lastPoint, x.lastKey = point, x.e.AppendKey(x.lastKey[:0], point)
	}
	if err == nil {
		err = x.t.check(out)
	}
	if err != nil {
		f := x.en.failure(x.e, point, string(x.lastKey), chunk, err)
		x.failures = append(x.failures, f)
		if x.o.Run.OnError == sim.OnErrorContinue {
			return nil
		}
		return fmt.Errorf("engine: %s: point %d (%s), chunk %d, seed %d: %s\nrerun this chunk in-process: %s", x.e.File, point, x.lastKey, chunk, x.e.Seed, f.Error, f.Rerun)
	}
	x.batch.add(x.lastKey, g, chunk, x.e.Budget.ChunkSamples(chunk), out)
	return nil
}

// flush hands the results taken since the last flush to the journal's
// writer, and returns the writer's error, if it failed: the stream then
// stops.
func (x *execution) flush() error {
	if err := x.writerErr.Load(); err != nil {
		return *err
	}
	if x.batch.len() == 0 {
		return nil
	}
	x.toWriter <- x.batch
	select {
	case x.batch = <-x.free:
	default:
		x.batch = x.newBatch()
	}
	return nil
}

// newBatch returns an empty batch of records for the journal: of runs of
// the chunks x runs, step apart, unless the journal is of format 1.
func (x *execution) newBatch() *recordBatch {
	if x.format == journalFormat1 {
		return newRecordBatch(0)
	}
	return newRecordBatch(x.missing.step)
}

// appendJournal appends records in one write; tests replace it to fill
// the disk.
var appendJournal = (*journal.Journal).AppendBatch

// failure describes a failed chunk for the results and the user.
func (en *Engine) failure(e *sim.Experiment, point int64, key string, chunk int64, err error) report.Failure {
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
	return report.Failure{Point: point, Key: key, Chunk: chunk, Error: msg, Rerun: en.RerunCommand(e, point, chunk)}
}
