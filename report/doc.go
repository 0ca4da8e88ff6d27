// Package report reduces the per-chunk accumulators of a run into
// statistics and writes them out: a tidy CSV table, a JSON document with the
// run's provenance, a human-readable summary, a Markdown report
// (WriteMarkdown), figures (BuildFigure computes a plot's data, RenderFigure
// draws it as PNG or SVG with gonum/plot), and the chunk estimates file
// (WriteChunks, ReadChunks) from which histograms of per-chunk estimates are
// redrawn without running again.
//
// # Determinism
//
// Reduce merges a point's chunk accumulators in chunk-index order, never in
// the order the chunks finished, and every later step (the batch-means sum,
// the t quantile) is a fixed sequence of floating-point operations on that
// merged state. The statistics are therefore identical, bit for bit, for any
// number of workers and any execution order. The writers format floats in
// the shortest form that round-trips (strconv 'g', -1), so the files carry
// the exact values: two runs that agree agree byte for byte, apart from the
// provenance (times, host, worker count).
//
// # Statistics
//
// Each observable gets its mean, unbiased variance, minimum, maximum, a
// standard error of the mean and a 95% confidence interval from Student's t
// distribution. An observable declared IID (sim.ObservableSpec.IID) uses
// every sample: StdErr = sqrt(Variance/N) with N−1 degrees of freedom.
// Otherwise samples within a chunk may be correlated and only chunk means
// are treated as independent (batch means, with k−1 degrees of freedom for
// k non-empty chunks). A statistic that cannot be computed is NaN, and the
// reason is reported as a warning. ReduceAll adds the kernel's derived
// quantities (sim.DerivedSpec): the function of the overall means, with a
// batch-means standard error from the function of each chunk's means.
//
// Figures are deterministic too: BuildFigure is a pure function of its
// inputs, and RenderFigure's SVG output depends only on the Figure (a PNG
// is identical on one machine; rasterisation may differ across
// architectures, so tests check figure data and structure, not pixels).
//
// # Warnings and errors
//
// Warnings are data: Reduce returns them beside the statistics (too few
// chunks for batch means, a confidence interval with few degrees of freedom,
// NaN or infinite values, no samples), and Results carries them to every
// output. Nothing in this package panics on data; malformed input to Reduce
// becomes a warning, and the writers, ReadJSON, ReadChunks, BuildFigure and
// RenderFigure return errors prefixed with "report: " (RenderFigure turns a
// panic inside gonum/plot into an error). A kernel's DerivedSpec.Func or
// ReferenceSpec.Func is called as is. WriteFile replaces its target atomically and durably; if it
// fails before the rename it leaves the target untouched, and its error
// names the path.
//
// # Formats
//
// JSON has no NaN or infinity: non-finite floats are written as null and
// read back as NaN. Parameters are written as a JSON object in declaration
// order; a float parameter always carries a decimal point or an exponent
// (2 is written 2.0) so that ReadJSON can tell it from an integer.
package report
