package kernels

import "math/bits"

// piLanes holds eight xoshiro256++ states side by side, word k of lane l at
// [k][l], so that a vector register loads one word of four lanes.
type piLanes [4][8]uint64

// piOutside1 returns 1 if the point drawn as u lies outside the quarter
// disc, else 0. With i, j the high and low halves of u, the point is
// ((i+½)/2³², (j+½)/2³²), and
//
//	(i+½)² + (j+½)² < 2⁶⁴  ⇔  i(i+1) + j(j+1) < 2⁶⁴
//
// because both sides of the second are integers and the first adds ½. Each
// product is at most (2³²−1)·2³² < 2⁶⁴, so the test is whether their 64-bit
// sum carries.
func piOutside1(u uint64) uint64 {
	i, j := u>>32, u&0xffffffff
	_, carry := bits.Add64(i*(i+1), j*(j+1), 0)
	return carry
}

// piOutsideLanesGo is piOutsideLanes (pilanes_*.go) in Go: each lane in turn, inlined
// xoshiro256++ with its state in registers.
func piOutsideLanesGo(s *piLanes, blocks uint64, out *[8]uint64) {
	for l := range 8 {
		s0, s1, s2, s3 := s[0][l], s[1][l], s[2][l], s[3][l]
		var c uint64
		for range blocks {
			u := bits.RotateLeft64(s0+s3, 23) + s0
			t := s1 << 17
			s2 ^= s0
			s3 ^= s1
			s1 ^= s2
			s0 ^= s3
			s2 ^= t
			s3 = bits.RotateLeft64(s3, 45)
			c += piOutside1(u)
		}
		s[0][l], s[1][l], s[2][l], s[3][l] = s0, s1, s2, s3
		out[l] = c
	}
}
