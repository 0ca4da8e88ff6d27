package kernels

// ziggurat holds the tables of Marsaglia and Tsang's ziggurat method (2000)
// for a decreasing density f on [0, ∞) with f(0) = 1, cut into n layers of
// equal area v, the base layer ending in the tail beyond r. For layer i,
// x_i is its right edge (x_{n−1} = r, decreasing with i; the top layer 1
// has x_0 = 0 on its left, and the base layer 0 an effective width v/f(r));
// k[i] is the 53-bit threshold below which a point of layer i lies under
// the curve without evaluating f, w[i] = x_i·2⁻⁵³ scales a 53-bit integer
// to [0, x_i), and fx[i] = f(x_i). Built with fmath.Exp and fmath.Log (by the
// callers' f and finv), the tables are the same bits on every machine.
type ziggurat struct {
	k  [256]uint64
	w  [256]float64
	fx [256]float64
}

// newZiggurat builds the tables for n ≤ 256 layers from f, its inverse, the
// tail start r and the layer area v, following Marsaglia and Tsang's zigset.
func newZiggurat(n int, r, v float64, f, finv func(float64) float64) *ziggurat {
	const m = 1 << 53
	z := new(ziggurat)
	x := r
	q := v / f(x)
	z.k[0] = uint64(x / q * m)
	z.k[1] = 0
	z.w[0] = q / m
	z.w[n-1] = x / m
	z.fx[0] = 1
	z.fx[n-1] = f(x)
	for i := n - 2; i >= 1; i-- {
		prev := x
		x = finv(v/x + f(x))
		z.k[i+1] = uint64(x / prev * m)
		z.fx[i] = f(x)
		z.w[i] = x / m
	}
	return z
}
