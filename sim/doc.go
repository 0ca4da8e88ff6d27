// Package sim defines simrun's experiments: the parameters a kernel
// declares, the experiment files that set and sweep them, the points those
// files expand to, the random stream of every chunk, and the accumulators
// chunks report.
//
// # Loading
//
// Load and Parse read an experiment file (the format is documented in
// docs/experiment-file.md) and check it completely against the kernel's
// declared parameters, so that running a loaded Experiment can fail only
// for reasons outside the file. Every problem with the file is an *Error
// naming the file, the line when it can be found, the dotted key, what is
// wrong and what would be valid; independent problems are all reported,
// joined with errors.Join, in file order. Parse never panics, whatever the
// bytes. Before decoding, it refuses a file that nests deeper than
// MaxNesting (64 levels: each part of a table header or dotted key, each
// array and each inline table is one), in time linear in its size: the
// TOML decoder's cost grows with the square of the depth, and experiment
// files need a handful of levels.
//
// # Expansion
//
// The [sweep] table defines the axes of a cartesian product, in file order;
// a [zip] group pairs several swept parameters into one axis. Point(i)
// reads i in mixed radix over the axes, the last axis varying fastest, as
// nested loops written in [sweep] order would. Points are computed on
// demand in time proportional to the number of parameters, never stored:
// NumPoints and Point answer at once for 10^9 points. Only CheckRunnable
// refuses experiments too big to run (more than MaxRunChunks chunks).
//
// A [design] is one more axis, after the [sweep] axes: the points of a
// space-filling design (package design) over the parameters of
// [design.params], each coordinate u in [0, 1) mapped onto its range as
// from + (to-from)·u, or exp(log from + (log to − log from)·u) on a log
// scale, with fmath. Its seed is the SHA-256 of the experiment's seed and
// the design's description without its number of points, and its
// dimensions are its parameters in name order.
//
// Every value is a deterministic function of the file: a linspace value is
// start + (stop-start)*i/(num-1) evaluated in float64 in that order, with
// the last value exactly stop; a logspace value is fmath.Pow10(x) of the
// linspace value x; a float range value is from + i*step.
//
// # Seeding
//
// A point's parameters, defaults included, form its canonical key
// (Params.Key): name=value pairs sorted by name, values in their canonical
// form. The random stream of chunk c of a point is ChunkRand(seed, key, c):
// the xoshiro256++ state is the SHA-256 of a domain tag, the experiment
// seed, the key and the chunk index (SeedScheme spells it out). Streams are
// keyed by parameter values, not by position: adding a value to a sweep,
// reordering axes, or running with another number of workers leaves every
// existing chunk's stream unchanged. With samples.chunk_size, raising
// samples only adds chunks; with samples.chunks it changes the size of
// every chunk, and so its results.
//
// A float parameter value of -0 is the same value as 0: Parse loads it as
// 0 wherever it comes from ([params], lists, the ends of linspace,
// logspace and ranges, kernel defaults), so the key of its point reads
// "name=0", and no computed value is -0 either. Value.String still writes
// a -0 built by other means as "-0": the canonical form of every other
// value, and so its key and streams, is unchanged.
//
// Two points with the same key would share their streams. Parse therefore
// rejects an explicit list that repeats a value (0.0 and -0.0 included), a
// zip group of lists that repeats a combination, and a linspace or
// logspace whose start equals its stop; it does not compare computed
// values, which rounding can make equal when the spacing is below the
// float64 resolution.
//
// # Panics
//
// Functions panic only on bugs in their callers: Point with an index out
// of range, NewParams with mismatched lengths, and Params.Int and its
// siblings when a kernel asks for a parameter it did not declare.
package sim
