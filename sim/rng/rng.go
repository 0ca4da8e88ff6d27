package rng

import "math/bits"

// Algorithm names the generator and float conversion, as recorded in results.
const Algorithm = "xoshiro256++ 1.0; float64 = (x>>11)*2^-53"

// Xoshiro256 is a xoshiro256++ generator. Its zero value is invalid (the
// all-zero state is a fixed point); build one with New or FromSeed.
//
// A kernel that wants the state in registers copies the value into a local,
// draws from it, and stores it back: g := *r; ...; *r = g.
type Xoshiro256 struct {
	s0, s1, s2, s3 uint64
}

// New returns a generator with the given 256-bit state. An all-zero state,
// which xoshiro cannot leave, is replaced by the state FromSeed(0) gives.
func New(state [4]uint64) Xoshiro256 {
	if state == ([4]uint64{}) {
		return FromSeed(0)
	}
	return Xoshiro256{state[0], state[1], state[2], state[3]}
}

// FromSeed returns a generator whose state is four successive outputs of a
// SplitMix64 seeded with seed, as the reference implementation recommends.
func FromSeed(seed uint64) Xoshiro256 {
	sm := SplitMix64(seed)
	return Xoshiro256{sm.Uint64(), sm.Uint64(), sm.Uint64(), sm.Uint64()}
}

// State returns the generator's current 256-bit state.
func (x Xoshiro256) State() [4]uint64 { return [4]uint64{x.s0, x.s1, x.s2, x.s3} }

// Uint64 returns the next 64 pseudo-random bits.
func (x *Xoshiro256) Uint64() uint64 {
	r := bits.RotateLeft64(x.s0+x.s3, 23) + x.s0
	t := x.s1 << 17
	x.s2 ^= x.s0
	x.s3 ^= x.s1
	x.s1 ^= x.s2
	x.s0 ^= x.s3
	x.s2 ^= t
	x.s3 = bits.RotateLeft64(x.s3, 45)
	return r
}

// Next returns the generator advanced by one step and the 64 bits drawn.
// It is Uint64 on a value: in a hot loop, g, u = g.Next() lets the compiler
// keep the state in registers, where the pointer methods may not.
func (x Xoshiro256) Next() (Xoshiro256, uint64) {
	r := bits.RotateLeft64(x.s0+x.s3, 23) + x.s0
	t := x.s1 << 17
	x.s2 ^= x.s0
	x.s3 ^= x.s1
	x.s1 ^= x.s2
	x.s0 ^= x.s3
	x.s2 ^= t
	x.s3 = bits.RotateLeft64(x.s3, 45)
	return x, r
}

// Unit converts 64 random bits to a uniform float64 in [0, 1), as Float64 does.
func Unit(u uint64) float64 { return float64(float64(u>>11) * 0x1p-53) } // exact; rounded on its own so no caller fuses it

// Float64 returns a uniform float64 in [0, 1) with 53 random bits.
func (x *Xoshiro256) Float64() float64 {
	return float64(x.Uint64()>>11) * 0x1p-53
}

// Uint64n returns a uniform integer in [0, n) by Lemire's multiply-shift
// method with rejection, so it is exactly unbiased. It panics if n == 0.
func (x *Xoshiro256) Uint64n(n uint64) uint64 {
	hi, lo := bits.Mul64(x.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(x.Uint64(), n)
		}
	}
	return hi
}

// Jump advances the generator by 2^128 steps, as the reference jump()
// does; 2^128 calls to Jump give non-overlapping subsequences.
func (x *Xoshiro256) Jump() {
	jump := [4]uint64{0x180ec6d33cfd0aba, 0xd5a61266f0c9392c, 0xa9582618e03fc9aa, 0x39abdc4529b1661c}
	var s0, s1, s2, s3 uint64
	for _, j := range jump {
		for b := 0; b < 64; b++ {
			if j&(1<<b) != 0 {
				s0 ^= x.s0
				s1 ^= x.s1
				s2 ^= x.s2
				s3 ^= x.s3
			}
			x.Uint64()
		}
	}
	x.s0, x.s1, x.s2, x.s3 = s0, s1, s2, s3
}

// SplitMix64 is the splitmix64 generator; its value is its state.
type SplitMix64 uint64

// Uint64 returns the next output and advances the state.
func (s *SplitMix64) Uint64() uint64 {
	*s += 0x9e3779b97f4a7c15
	z := uint64(*s)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
