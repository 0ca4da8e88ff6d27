// Package report holds the results of a run and writes them out: Results
// (the run's provenance and one PointResult per point, whose statistics
// come from package stats), a tidy CSV table (WriteCSV) and the same table
// typed in Apache Parquet (WriteParquet), a JSON document
// with the run's provenance (WriteJSON, ReadJSON), a human-readable summary
// (Summary), a Markdown report (WriteMarkdown) and the same as a
// self-contained HTML page with the figures inline (WriteHTML), the
// pairing of two runs' statistics (Compare), a run's means set against the exact values its
// kernel declares (Check), each difference with its probability by chance
// on Student's t (stats.TailProb), and the chunk estimates file (WriteChunks,
// ReadChunks, and ChunksBuilder for chunks that arrive out of order) from which the statistics and figures are rebuilt without
// running again. It does not compute statistics (package stats) or draw
// figures (package figure), and it does not depend on gonum/plot.
//
// # Determinism
//
// Every writer is a pure function of its input. Floats are formatted in the
// shortest form that round-trips (sim.FormatFloat), so the files carry the
// exact values: two runs whose statistics agree bit for bit (see package
// stats) give the same bytes, apart from the provenance (times, host,
// worker count). The chunk estimates file holds the accumulators' bits, and
// ReadChunks returns them exactly.
//
// # Warnings and errors
//
// Warnings are data: Results carries the warnings of the reduction (per
// point and for the run) to every output. Nothing in this package panics on
// data. The writers, ReadJSON, ReadChunks and Check return errors prefixed
// with "report: ": a write error of the destination, points whose parameters
// are not named as the first point's, a parameter with the name of a column
// of the CSV table (WriteCSV), a malformed or truncated document or
// chunk estimates file, a checksum that does not match, results that are
// not the experiment's (Check; ErrNoExact when there is nothing to check).
//
// # Formats
//
// JSON has no NaN or infinity: non-finite floats are written as null and
// read back as NaN. Parameters are written as a JSON object in declaration
// order; a float parameter always carries a decimal point or an exponent
// (2 is written 2.0) so that ReadJSON can tell it from an integer. CSV and
// the summary write NaN, +Inf and -Inf as such.
package report
