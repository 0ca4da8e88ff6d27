// Package design computes the points of space-filling designs on the unit
// cube [0, 1)^d, for sweeps that explore several parameters with far fewer
// points than a grid: uniform random points, Latin hypercubes, and the
// Halton and Sobol low-discrepancy sequences, each of the last two plain or
// scrambled.
//
// A Design computes coordinate j of point i on demand, from the design's
// kind, its seed, i and j only: nothing is stored per point, so a design of
// a billion points costs what one of ten does, and the points are the
// same bits on every machine (integer arithmetic, then one correctly
// rounded division). For every kind but the Latin hypercube, the first n
// points of a design of N > n points are those of the design of n points:
// raising the count keeps the points there were (a prefix), so that their
// chunks are reused. A Latin hypercube stratifies each dimension into N
// intervals, so all its points depend on N.
//
// The scrambles are random but fixed by the seed: Sobol's is Matoušek's
// random linear scramble with a digital shift, as in scipy.stats.qmc, and
// Halton's a random permutation of the digits at each digit position of
// each base. Both keep the prefix property.
//
// New returns an error for a design it cannot make (too many dimensions or
// points); At panics on a point or dimension out of range, a caller bug.
package design
