// Package rng provides the random number generators behind simrun's
// reproducibility contract.
//
// Xoshiro256 is xoshiro256++ 1.0 (Blackman and Vigna, "Scrambled linear
// pseudorandom number generators", ACM TOMS 2021), written as a concrete
// type whose methods the compiler inlines into a kernel's sample loop.
// SplitMix64 is Steele, Lea and Flood's generator, used to expand a single
// 64-bit seed into a full xoshiro state.
//
// The algorithms and the float conversions are part of the contract: a
// result file names them, and changing any of them changes every stream.
// Nothing here allocates or panics.
package rng
