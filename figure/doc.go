// Package figure computes and draws the figures an experiment's [[plot]]
// tables ask for: Build computes a Figure, the data of one plot (line
// series with confidence intervals and reference curves, or histograms of
// per-chunk estimates), from a run's report.Results and chunk estimates;
// Render draws a Figure as PNG or SVG with gonum/plot. Keeping the two
// apart lets tests check the numbers rather than the pixels. A plot's
// defaults (kind, statistic, title, labels) are those of
// sim.PlotSpec.WithDefaults, which the experiment loader applies too, so
// that simrun validate and plan show what the figure will say.
//
// # Determinism
//
// Build is a pure function of its inputs, in the order of the results'
// points and of the chunks. Render's output depends only on the Figure and
// the format, and is the same bytes on every machine of one architecture.
// Across architectures a layout coordinate may differ in its last bits
// (Go fuses a multiply and an add on arm64, in gonum/plot as here) and
// rasterisation may differ, so tests check figure data and structure,
// not pixels; the numbers a figure shows come from Build, which is
// portable.
//
// # Errors
//
// Nothing in this package panics on data. Build returns an error prefixed
// with "figure: plot <name>: " for a plot that does not fit the kernel or
// the results, and Render one prefixed with "figure: render plot <name>: "
// for an unknown format, a write error, or a panic inside gonum/plot, which
// it recovers. A kernel's DerivedSpec.Func and ReferenceSpec.Func are called
// as is.
package figure
