package kernels

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
	"github.com/simrun/simrun/sim/rng"
)

// Ising2D is the ferromagnetic (or, with J < 0, antiferromagnetic) Ising
// model on an L×L square lattice with periodic boundaries,
//
//	H = −J Σ_<ij> s_i s_j − h Σ_i s_i,   s_i = ±1,
//
// the first sum over the 2L² nearest-neighbour bonds (each site's right and
// down neighbour), sampled at temperature T (k_B = 1).
//
// Each chunk is an independent Markov chain: Sample resets the lattice (all
// +1, or uniformly random with start = "hot"), runs burnin sweeps, then
// records n measurements, each after thin updates. Measurements within a
// chain are correlated, so no observable is IID: the standard error comes
// from batch means over chunks, which therefore must each be long enough to
// equilibrate.
//
// The algorithms:
//
//   - "metropolis": checkerboard Metropolis. A sweep updates the sites with
//     x+y even, then those with x+y odd; sites of one colour do not
//     interact, so each half-sweep is a product of exact single-site
//     Metropolis updates. L must be even so that the colouring is
//     consistent across the periodic boundary; New rejects odd L.
//     The acceptance probability min(1, exp(−ΔE/T)) depends only on the spin
//     and its number of up neighbours, so it is tabulated in New as ten
//     63-bit integer thresholds and a flip is accepted when the top 63 bits
//     of one raw generator output fall below its threshold (resolution
//     2⁻⁶³, one draw per attempt).
//   - "wolff": Wolff single-cluster updates, valid for h = 0 only (New
//     returns an error otherwise). A cluster grows from a uniformly chosen
//     site across satisfied bonds with probability 1 − exp(−2|J|/T) and is
//     flipped. With J < 0 the same rule runs on the antiferromagnet (the
//     even lattice is bipartite). Here burnin counts sweep equivalents
//     (cluster updates until burnin·L² spins have been flipped), while thin
//     counts cluster updates: a measurement taken at a fixed number of
//     clusters is unbiased, one taken when a flipped-spin count is reached
//     would not be.
//
// The acceptance tables are computed with an exponential built from IEEE
// basic operations only (expPortable), not math.Exp, whose assembly
// versions differ between architectures: results are bit-identical on every
// machine. A Sampler keeps its lattice across chunks and is not safe for
// concurrent use; Sample does not allocate.
type Ising2D struct{}

// Ising2D parameter limits.
const (
	isingMaxL     = 4096 // the Wolff stack packs a site's x and y into 16 bits each
	isingMaxSweep = 1 << 40
)

// Spec implements Kernel.
func (Ising2D) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name:  "ising2d",
		Doc:   "2D Ising model on an LxL periodic square lattice, H = -J sum_<ij> s_i s_j - h sum_i s_i; checkerboard Metropolis or Wolff cluster updates, one Markov chain per chunk.",
		Check: isingCheck,
		Params: []sim.ParamSpec{
			{Name: "L", Label: "lattice size L", Kind: sim.Int, Doc: "linear lattice size; must be even (checkerboard update); N = L*L spins", Range: &sim.Range{Min: 2, Max: isingMaxL}},
			{Name: "T", Label: "temperature T", Kind: sim.Float, Doc: "temperature, in units of the coupling (k_B = 1)", Range: &sim.Range{Min: 1e-6, Max: math.Inf(1)}},
			{Name: "J", Label: "coupling J", Kind: sim.Float, Doc: "nearest-neighbour coupling: > 0 ferromagnet, < 0 antiferromagnet", Default: sim.FloatValue(1), Range: &sim.Range{Min: math.Inf(-1), Max: math.Inf(1)}},
			{Name: "h", Label: "field h", Kind: sim.Float, Doc: "external field (must be 0 for wolff)", Default: sim.FloatValue(0), Range: &sim.Range{Min: math.Inf(-1), Max: math.Inf(1)}},
			{Name: "burnin", Label: "burn-in sweeps", Kind: sim.Int, Doc: "equilibration sweeps per chunk before the first measurement (wolff: sweep equivalents, burnin*L*L flipped spins)", Default: sim.IntValue(1000), Range: &sim.Range{Min: 0, Max: isingMaxSweep}},
			{Name: "thin", Label: "updates between measurements", Kind: sim.Int, Doc: "updates between measurements: metropolis sweeps, or wolff cluster flips", Default: sim.IntValue(1), Range: &sim.Range{Min: 1, Max: isingMaxSweep}},
			{Name: "start", Label: "initial lattice", Kind: sim.String, Doc: "initial lattice of each chunk: cold (all +1) or hot (independent uniform spins)", Default: sim.StringValue("cold"), Choices: []string{"cold", "hot"}},
			{Name: "algorithm", Label: "update algorithm", Kind: sim.String, Doc: "update: checkerboard metropolis, or wolff single-cluster (h = 0 only)", Default: sim.StringValue("metropolis"), Choices: []string{"metropolis", "wolff"}},
		},
		Observables: []sim.ObservableSpec{
			{Name: "e", Label: "energy per spin e", Doc: "energy per spin H/N, field term included"},
			{Name: "m", Label: "magnetisation |m|", Doc: "absolute magnetisation per spin |sum_i s_i|/N"},
			{Name: "e2", Label: "e²", Doc: "e squared; N(<e2>-<e>^2)/T^2 is the specific heat per spin"},
			{Name: "m2", Label: "m²", Doc: "m squared; N(<m2>-<m>^2)/T is the susceptibility per spin"},
			{Name: "m4", Label: "m⁴", Doc: "m to the fourth; 1-<m4>/(3<m2>^2) is the Binder cumulant"},
		},
		Derived:    isingDerived(),
		References: isingReferences(),
	}
}

// isingCheck rejects the combinations the parameter ranges cannot.
func isingCheck(p sim.Params) error {
	switch {
	case p.Int("L")%2 != 0:
		return &sim.ParamError{Param: "L", Msg: fmt.Sprintf("= %d is odd; the checkerboard update needs an even L", p.Int("L"))}
	case p.Str("algorithm") == "wolff" && p.Float("h") != 0:
		return &sim.ParamError{Param: "h", Msg: fmt.Sprintf("= %s, but algorithm \"wolff\" needs h = 0", sim.FloatValue(p.Float("h")))}
	}
	return nil
}

// New implements Kernel.
func (Ising2D) New(p sim.Params) (Sampler, error) {
	l := p.Int("L")
	T, J, h := p.Float("T"), p.Float("J"), p.Float("h")
	wolff := p.Str("algorithm") == "wolff"
	if err := isingCheck(p); err != nil {
		return nil, fmt.Errorf("kernels: ising2d: %w", err)
	}
	n := int(l * l)
	s := &isingSampler{
		l:      int(l),
		j:      J,
		h:      h,
		burnin: p.Int("burnin"),
		thin:   p.Int("thin"),
		hot:    p.Str("start") == "hot",
		wolff:  wolff,
		spins:  make([]uint8, n),
	}
	if wolff {
		s.stack = make([]uint32, n)
		s.padd = threshold63(1 - fmath.Exp(-2*math.Abs(J)/T))
		if J > 0 {
			s.ferro = 1
		}
		return s, nil
	}
	// Spins are stored as 0 (down) and 1 (up). Flipping σ = 2s−1 with k up
	// neighbours (neighbour sum 2k−4) changes the energy by
	// ΔE = 2σ(J(2k−4) + h).
	for k := range 5 {
		for sp := range 2 {
			sigma := float64(2*sp - 1)
			dE := 2 * sigma * (float64(J*float64(2*k-4)) + h)
			p := 1.0
			if dE > 0 {
				p = fmath.Exp(-dE / T)
			}
			s.thresh[k<<1|sp] = threshold63(p)
		}
	}
	return s, nil
}

// threshold63 returns ⌊p·2⁶³⌋ clamped to [0, 2⁶³]: a 63-bit uniform v
// satisfies v < threshold63(p) with probability p to within 2⁻⁶³.
func threshold63(p float64) uint64 {
	switch {
	case !(p > 0):
		return 0
	case p >= 1:
		return 1 << 63
	}
	return uint64(p * 0x1p63)
}

// isingSampler is one point's chain state: the lattice and the tables
// derived from the parameters, reused by every chunk.
type isingSampler struct {
	l            int
	j, h         float64
	burnin, thin int64
	hot, wolff   bool
	spins        []uint8 // row-major, 0 = down, 1 = up

	// Metropolis: acceptance threshold for spin s with k up neighbours at
	// index k<<1|s (sixteen entries so that idx&15 needs no bounds check).
	thresh [16]uint64

	// Wolff: bond-activation threshold; ferro, such that a neighbour of a
	// (flipped) cluster site with spin c can join if its spin is c^ferro
	// (1 for J > 0: the site's original spin; 0 for J ≤ 0); and the
	// cluster stack, one packed y<<16|x per site.
	padd  uint64
	ferro uint8
	stack []uint32
}

// Sample implements Sampler: one independent chain per call.
func (s *isingSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	g := *r
	g = s.reset(g)
	if s.wolff {
		target := uint64(math.MaxUint64) // burnin·N, saturated
		if hi, lo := bits.Mul64(uint64(s.burnin), uint64(len(s.spins))); hi == 0 {
			target = lo
		}
		var flipped uint64
		var size int
		for flipped < target {
			g, size = s.cluster(g)
			flipped += uint64(size)
		}
	} else {
		for range s.burnin {
			g = s.sweep(g)
		}
	}
	for range n {
		for range s.thin {
			if s.wolff {
				g, _ = s.cluster(g)
			} else {
				g = s.sweep(g)
			}
		}
		s.record(obs)
	}
	*r = g
}

// reset sets the lattice to the chunk's initial state.
func (s *isingSampler) reset(g rng.Xoshiro256) rng.Xoshiro256 {
	if !s.hot {
		for i := range s.spins {
			s.spins[i] = 1
		}
		return g
	}
	var u uint64
	for i := range s.spins {
		if i%64 == 0 {
			g, u = g.Next()
		}
		s.spins[i] = uint8(u & 1)
		u >>= 1
	}
	return g
}

// sweep performs one checkerboard Metropolis sweep.
func (s *isingSampler) sweep(g rng.Xoshiro256) rng.Xoshiro256 {
	l, sp := s.l, s.spins
	for c := range 2 {
		for y := range l {
			up, dn := y-1, y+1
			if up < 0 {
				up = l - 1
			}
			if dn == l {
				dn = 0
			}
			g = metropolisRow(g, sp[y*l:y*l+l], sp[up*l:up*l+l], sp[dn*l:dn*l+l], (y+c)&1, &s.thresh)
		}
	}
	return g
}

// metropolisRow attempts to flip the sites x ≡ x0 (mod 2) of one row, given
// the rows above and below. Only the first or last site of the row has a
// neighbour across the periodic boundary, so the loop runs over the interior
// without wrapping and the ends are handled apart. Each attempt draws one
// output u and flips when u>>1 < thresh, computed without a branch as the
// sign bit of u>>1 − thresh (both below 2⁶³+1, so the difference cannot
// overflow past the sign).
func metropolisRow(g rng.Xoshiro256, row, above, below []uint8, x0 int, th *[16]uint64) rng.Xoshiro256 {
	l := len(row)
	above, below = above[:l], below[:l]
	var u uint64
	if x0 == 0 {
		s := row[0]
		k := row[l-1] + row[1] + above[0] + below[0]
		g, u = g.Next()
		row[0] = s ^ uint8((u>>1-th[(k<<1|s)&15])>>63)
	}
	start := 2
	if x0 == 1 {
		start = 1
	}
	for x := start; x < l-1; x += 2 {
		s := row[x]
		k := row[x-1] + row[x+1] + above[x] + below[x]
		g, u = g.Next()
		row[x] = s ^ uint8((u>>1-th[(k<<1|s)&15])>>63)
	}
	if x0 == 1 {
		x := l - 1
		s := row[x]
		k := row[x-1] + row[0] + above[x] + below[x]
		g, u = g.Next()
		row[x] = s ^ uint8((u>>1-th[(k<<1|s)&15])>>63)
	}
	return g
}

// cluster grows and flips one Wolff cluster and returns its size. Sites are
// flipped as they join, which also marks them: a flipped site never
// matches the spin value that joins. Every bond examined costs one draw,
// whether or not its far site could join, so that the loop has no
// data-dependent branch (those mispredict about half the time near Tc).
func (s *isingSampler) cluster(g rng.Xoshiro256) (rng.Xoshiro256, int) {
	l, sp, stack := s.l, s.spins, s.stack
	var u uint64
	g, u = g.Next()
	// Uniform site by Lemire's multiply-shift with rejection (exact).
	n := uint64(len(sp))
	hi, lo := bits.Mul64(u, n)
	if lo < n {
		for t := -n % n; lo < t; {
			g, u = g.Next()
			hi, lo = bits.Mul64(u, n)
		}
	}
	x, y := int(hi)%l, int(hi)/l
	sp[hi] ^= 1
	stack[0] = uint32(y<<16 | x)
	padd, ferro := s.padd, s.ferro
	top, size := 1, 0
	for top > 0 {
		top--
		size++
		x, y := int(stack[top]&0xffff), int(stack[top]>>16)
		want := sp[y*l+x] ^ ferro
		left, right, up, down := x-1, x+1, y-1, y+1
		if left < 0 {
			left = l - 1
		}
		if right == l {
			right = 0
		}
		if up < 0 {
			up = l - 1
		}
		if down == l {
			down = 0
		}
		// The four bonds, unrolled. A neighbour joins (j = 1) if its spin
		// is want and the bond activates (u>>1 < padd); it is then flipped,
		// and the push, always written, is kept. top stays below
		// len(stack): the site being processed is not on the stack.
		var j uint8
		g, u = g.Next()
		j = uint8((u>>1-padd)>>63) &^ (sp[y*l+left] ^ want)
		sp[y*l+left] ^= j
		stack[top] = uint32(y<<16 | left)
		top += int(j)
		g, u = g.Next()
		j = uint8((u>>1-padd)>>63) &^ (sp[y*l+right] ^ want)
		sp[y*l+right] ^= j
		stack[top] = uint32(y<<16 | right)
		top += int(j)
		g, u = g.Next()
		j = uint8((u>>1-padd)>>63) &^ (sp[up*l+x] ^ want)
		sp[up*l+x] ^= j
		stack[top] = uint32(up<<16 | x)
		top += int(j)
		g, u = g.Next()
		j = uint8((u>>1-padd)>>63) &^ (sp[down*l+x] ^ want)
		sp[down*l+x] ^= j
		stack[top] = uint32(down<<16 | x)
		top += int(j)
	}
	return g, size
}

// record adds one measurement of the five observables to obs. The sums are
// exact integers: up spins, and unsatisfied bonds, each site's right and
// down bond counted once.
func (s *isingSampler) record(obs []sim.Acc) {
	l, sp := s.l, s.spins
	var up, unsat int
	for y := range l {
		dn := y + 1
		if dn == l {
			dn = 0
		}
		u, b := countRow(sp[y*l:y*l+l], sp[dn*l:dn*l+l])
		up += u
		unsat += b
	}
	n := len(sp)
	bonds := 2*n - 2*unsat // Σ s_i s_j over the 2N bonds
	mag := 2*up - n        // Σ s_i
	fn := float64(n)
	// Products wrapped in float64() are rounded on their own: no fused
	// multiply-add, the same bits on every CPU.
	e := (-float64(s.j*float64(bonds)) - float64(s.h*float64(mag))) / fn
	if mag < 0 {
		mag = -mag
	}
	m := float64(mag) / fn
	m2 := float64(m * m)
	obs[0].Add(e)
	obs[1].Add(m)
	obs[2].Add(float64(e * e))
	obs[3].Add(m2)
	obs[4].Add(float64(m2 * m2))
}

// countRow returns the number of up spins in row and of unsatisfied bonds
// from row to its right and lower neighbours. Spins are bytes 0 or 1, so the
// counts over eight sites are popcounts of 64-bit words (the word one byte
// to the right holds the right neighbours).
func countRow(row, below []uint8) (up, unsat int) {
	l := len(row)
	below = below[:l]
	x := 0
	for ; x+9 <= l; x += 8 {
		a := binary.LittleEndian.Uint64(row[x:])
		up += bits.OnesCount64(a)
		unsat += bits.OnesCount64(a^binary.LittleEndian.Uint64(row[x+1:])) + bits.OnesCount64(a^binary.LittleEndian.Uint64(below[x:]))
	}
	for ; x < l-1; x++ {
		a := row[x]
		up += int(a)
		unsat += int(a^row[x+1]) + int(a^below[x])
	}
	a := row[l-1]
	up += int(a)
	unsat += int(a^row[0]) + int(a^below[l-1])
	return up, unsat
}
