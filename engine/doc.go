// Package engine runs simrun experiments: it expands an experiment's sweep
// into chunks, runs them on a pool of worker processes (package runner) or
// in-process, journals each chunk as it completes, reduces the chunks into
// statistics in chunk order as they arrive and writes the results,
// figures and report into an output directory, with their provenance. It also resumes runs,
// runs and merges shards, rebuilds outputs from what a run saved, reruns
// chunks to verify a run bit for bit, and reports progress. The simrun
// command (package cli) is flags over this package.
//
// An Engine is bound to a kernel registry value. Worker processes are the
// calling binary re-executed, so a program that runs experiments calls
// Serve first in main, with an engine of the same kernels:
//
//	func main() {
//		en := engine.New(kernels.Builtin(heat.Kernel{}))
//		en.Serve() // a worker serves here and exits
//		e, err := en.Load("heat.toml")
//		...
//		out, err := en.Run(ctx, e, engine.Options{Workers: 8})
//	}
//
// # Determinism
//
// A chunk's result is a function of the experiment seed, its point's
// parameters and its index (sim.ChunkRand), never of the worker that ran
// it, the number of workers, retries, resumption or sharding; chunks are
// reduced in chunk order. The tables (results.csv, results.parquet) and
// chunks.bin are therefore the same bytes for any Options but Dir, and so
// is results.json but for its provenance.
//
// An adaptive budget ([samples.target]) runs in waves: each is the next
// round of chunks of every point that has not stopped, and after it each
// point's decisions are replayed on its chunks, a prefix in chunk order
// (stats.ReduceSequential). The decisions, and so the chunks run, depend
// on the chunks' results only: the same bytes again, for any Options,
// after a resume too. Such a run is not sharded: a shard does not hold
// every chunk of a point.
//
// # Nothing lost
//
// A chunk is completed once it is in the output directory's journal.bin,
// which a goroutine of the run appends the results to in the order they
// arrive, while more work is sent; a run that stops (ctx done, a failed
// chunk, a full disk) waits for it to journal every result it took. A run
// stopped in any way, a killed process too, resumes from the journal, and
// computes again only the chunks it does not hold. Output files are
// replaced atomically. A journal of an incompatible experiment (another kernel,
// kernel version, seed, generator, observables) is refused, never mixed.
//
// # Errors
//
// Problems with what the caller gave (the experiment file, the output
// directory, a journal or shard of another experiment, a damaged results
// file) are *InputError. A failed chunk's error names the point, its
// parameters, the chunk, the seed and the command that reruns it
// (RerunCommand); Run returns context.Cause(ctx) when ctx stopped it.
// Nothing here panics on input; a kernel's panic is reported as the
// chunk's failure (Chunk alone lets it through, for debugging).
package engine
