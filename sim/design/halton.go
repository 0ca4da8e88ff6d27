package design

import (
	"math/bits"

	"github.com/simrun/simrun/sim/rng"
)

// primes are the bases of Halton's sequence, one a dimension.
var primes = [MaxDims]uint64{
	2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
	59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131,
	137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223,
	227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311,
}

// A haltonDigit computes the radical inverse of an index in one base, over
// the D digits whose value b^D fits in a float64's 53 bits, so that the
// result is one integer divided by b^D: exact, then rounded once.
type haltonDigit struct {
	b     uint64
	depth int      // D
	pow   []uint64 // b^0 ... b^D
	perm  []uint16 // scrambled: perm[k*b+d] replaces digit d at position k; nil if plain
}

func newHalton(b uint64, scramble bool, src *rng.SplitMix64) haltonDigit {
	h := haltonDigit{b: b, pow: []uint64{1}}
	for p := uint64(1); p <= (1<<53)/b; {
		p *= b
		h.pow = append(h.pow, p)
		h.depth++
	}
	if scramble {
		// A random permutation of the digits at each position: Fisher–
		// Yates, each index drawn by a multiply-shift of 64 random bits.
		h.perm = make([]uint16, h.depth*int(b))
		for k := range h.depth {
			d := h.perm[k*int(b) : (k+1)*int(b)]
			for i := range d {
				d[i] = uint16(i)
			}
			for i := len(d) - 1; i > 0; i-- {
				r, _ := bits.Mul64(src.Uint64(), uint64(i+1))
				d[i], d[r] = d[r], d[i]
			}
		}
	}
	return h
}

// at returns the radical inverse of i, its base-b digits, least
// significant first, read as the digits of a fraction: r/b^D with r =
// d_0·b^(D-1) + ... + d_(D-1), for i < b^D (every design index is, since
// b^D > 2^44). Scrambled, digit k is replaced by perm's, also the leading
// zeros of i, so that the point is not 0 for i = 0.
func (h *haltonDigit) at(i uint64) float64 {
	return float64(h.fraction(i)) / float64(h.pow[h.depth]) // both exact: one rounding
}

// fraction returns r, the radical inverse of i times b^D.
func (h *haltonDigit) fraction(i uint64) uint64 {
	var r uint64
	for k := range h.depth {
		if h.perm == nil && i == 0 {
			r *= h.pow[h.depth-k] // the remaining digits are zeros
			break
		}
		d := i % h.b
		i /= h.b
		if h.perm != nil {
			d = uint64(h.perm[k*int(h.b)+int(d)])
		}
		r = r*h.b + d
	}
	return r
}
