// Package benchkit is what the benchmark commands of bench/cmd share: the
// machine and load-average lines of a report, running and timing a
// command, rewriting the block between two markers of a Markdown file, and
// medians and the number formats of the generated tables.
//
// Its functions return text that ends up verbatim in docs/performance.md,
// so a change to any of them changes what `make bench` writes for every
// command that uses it; it keeps no state and writes no file but the one
// a caller names.
package benchkit
