package design

import "math/bits"

// feistelRounds is the number of rounds of the Feistel network that
// permutes a Latin hypercube's strata.
const feistelRounds = 4

// latin returns coordinate j of point i of a Latin hypercube of n points:
// the point lies in stratum π_j(i) of dimension j, [π/n, (π+1)/n), where
// π_j is a random permutation of [0, n), at a random place in it.
//
// π_j is computed for i alone, without a table: a Feistel network on the
// smallest even number of bits that holds n-1 is a bijection of that
// range, and walking its cycle until the value is below n (Black and
// Rogaway's cycle walking) makes it one of [0, n); it takes fewer than 4
// steps on average, the range being less than 4n.
//
// The offset in the stratum has m = 52 - bits(n) random bits and is
// centred in its cell, u = (k + 1/2)/2^m: then π + u is exact, and the
// division's rounding error (at most 2^-54) is smaller than the distance
// from π + u to either edge of the stratum, divided by n (at least
// 2^-(m+1)/n > 2^-53), so the point is in its stratum exactly.
func (d *Design) latin(i int64, j int) float64 {
	n := uint64(d.n)
	pi := d.permute(uint64(i), j)
	m := 52 - bits.Len64(n)
	k := counter(d.keys[j], uint64(i)) >> (64 - m)
	u := (float64(k) + 0.5) / float64(uint64(1)<<m) // exact
	return (float64(pi) + u) / float64(n)
}

// permute returns π_j(i) for i < n.
func (d *Design) permute(i uint64, j int) uint64 {
	n := uint64(d.n)
	if n == 1 {
		return 0
	}
	half := (bits.Len64(n-1) + 1) / 2 // bits of each half
	mask := uint64(1)<<half - 1
	keys := d.perms[j]
	x := i
	for {
		l, r := x>>half, x&mask
		for _, key := range keys {
			l, r = r, l^(counter(key, r)&mask)
		}
		x = l<<half | r
		if x < n {
			return x
		}
	}
}
