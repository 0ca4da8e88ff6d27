// Package stats reduces the per-chunk accumulators of one point of a run
// into statistics: Reduce gives each observable a Stat (mean, variance,
// standard error, 95% confidence interval), ReduceAll adds the kernel's
// derived quantities, and DerivedChunks gives a derived quantity's estimate
// from each chunk alone (what a histogram of per-chunk estimates draws).
// TailProb and WelchDF judge a difference of means in standard errors
// against Student's t, for comparing runs (report.Compare, report.Check).
// Reached says whether a Stat meets a precision Target by a fixed-width
// sequential rule, for sampling a point until it is precise enough.
//
// # Determinism
//
// Reduce merges a point's chunk accumulators in chunk-index order, never in
// the order the chunks finished, and every later step (the batch-means sum,
// the t quantile) is a fixed sequence of floating-point operations on that
// merged state. The statistics are therefore identical, bit for bit, for any
// number of workers and any execution order. The reduction gives the same
// bits on every architecture as well: each product is rounded on its own
// before it is summed (no fused multiply-add), and the t quantile comes from
// a table and a series in +, × and ÷, not from math.Exp and math.Log, whose
// last bits differ between CPUs. (A derived quantity is as portable as its
// kernel's DerivedSpec.Func.) TailProb is the exception: it uses math.Exp,
// math.Log and math.Lgamma, and is for what is shown to the user, never
// for the statistics that are written to the results files.
//
// # Statistics
//
// Each observable gets its mean, unbiased variance, minimum, maximum, a
// standard error of the mean and a Confidence (95%) interval from Student's
// t distribution. An observable declared IID (sim.ObservableSpec.IID) uses
// every sample: StdErr = sqrt(Variance/N) with N−1 degrees of freedom, and
// Stat.Method is MethodIID. Otherwise samples within a chunk may be
// correlated and only chunk means are treated as independent (batch means,
// MethodBatchMeans, with k−1 degrees of freedom for k non-empty chunks). A
// statistic that cannot be computed is NaN, and the reason is reported as a
// warning. ReduceAll adds the kernel's derived quantities (sim.DerivedSpec):
// the function of the overall means, with a batch-means standard error from
// the function of each chunk's means.
//
// # Warnings and errors
//
// Warnings are data: Reduce and ReduceAll return them beside the statistics
// (too few chunks for batch means, a confidence interval with few degrees of
// freedom, NaN or infinite values, no samples, equal samples), for the caller
// to carry to every output. Nothing in this package panics on data:
// malformed input to Reduce and ReduceAll (a chunk with the wrong number of
// accumulators, a derived quantity of an unknown observable) becomes a
// warning and NaN statistics, and DerivedChunks returns an error prefixed
// with "stats: ". A kernel's DerivedSpec.Func is called as is.
package stats
