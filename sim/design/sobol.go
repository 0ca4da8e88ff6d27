package design

import "github.com/simrun/simrun/sim/rng"

// directions returns the 32 direction numbers of dimension j (0-based) of
// Sobol's sequence, v_1 ... v_32 as 32-bit fractions (v_k = m_k / 2^k),
// by Bratley and Fox's recurrence over Joe and Kuo's initial numbers, as
// in Joe and Kuo's reference implementation (sobol.cc).
func directions(j int) [32]uint32 {
	var v [32]uint32
	if j == 0 {
		for k := range v {
			v[k] = 1 << (31 - k) // m_k = 1
		}
		return v
	}
	p := joeKuo[j-1]
	s := int(p.s)
	for k := 0; k < s && k < 32; k++ {
		v[k] = p.m[k] << (31 - k)
	}
	for k := s; k < 32; k++ {
		v[k] = v[k-s] ^ (v[k-s] >> s)
		for l := 1; l < s; l++ {
			v[k] ^= ((p.a >> (s - 1 - l)) & 1) * v[k-l]
		}
	}
	return v
}

// sobolAt returns coordinate j of point i: in Gray-code order, as Antonov
// and Saleev's method generates the points one after the other, the XOR of
// the direction numbers of the bits set in i's Gray code.
func (d *Design) sobolAt(i int64, j int) float64 {
	g := uint64(i) ^ uint64(i)>>1
	x := d.shift[j]
	v := &d.sobol[j]
	for k := 0; g != 0; k, g = k+1, g>>1 {
		if g&1 != 0 {
			x ^= v[k]
		}
	}
	return float64(x) * 0x1p-32 // exact
}

// scrambleSobol applies Matoušek's random linear scramble to direction
// numbers v: every point's digits are multiplied by the same random
// lower-triangular binary matrix with a unit diagonal, which is the same
// as multiplying each direction number by it, since the points are XORs of
// them. It returns the scrambled numbers and a random digital shift, to be
// XORed into every point.
func scrambleSobol(v [32]uint32, src *rng.SplitMix64) ([32]uint32, uint32) {
	// Row r of the matrix gives digit r (from the most significant) of
	// the result: digit r of the input, and a random choice of the digits
	// before it.
	var rows [32]uint32
	for r := range rows {
		diag := uint32(1) << (31 - r)
		above := ^(diag | (diag - 1)) // the digits before digit r
		rows[r] = diag | uint32(src.Uint64())&above
	}
	var out [32]uint32
	for k, x := range v {
		var y uint32
		for r, row := range rows {
			y |= uint32(parity(row&x)) << (31 - r)
		}
		out[k] = y
	}
	return out, uint32(src.Uint64())
}

func parity(x uint32) uint32 {
	x ^= x >> 16
	x ^= x >> 8
	x ^= x >> 4
	x ^= x >> 2
	x ^= x >> 1
	return x & 1
}
