package kernels

import (
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// Percolation is site percolation on an L×L square lattice with open
// boundaries: each sample occupies every site independently with
// probability p, joins occupied nearest neighbours into clusters, and
// records whether a cluster connects the top row to the bottom row and the
// size of the largest cluster as a fraction of L².
//
// A point has a single p, so each sample draws one Bernoulli(p) site per
// lattice site (an exact comparison of a 53-bit uniform with p) rather than
// Newman and Ziff's sweep over a random permutation, which pays off only
// when many values of p are measured from the same samples. Sites are
// visited in row-major order and each occupied site is joined to its
// occupied left and upper neighbours with a union–find (union by size, path
// halving); a site continuing a horizontal run becomes a leaf of the run's
// root without a find. Each root carries its cluster's size and whether the
// cluster touches the top and the bottom row, so spanning and the largest
// cluster are known when the last site is placed, without a second pass.
//
// The union–find array (4 bytes per site, 64 MiB at L = 4096) is allocated
// in New and fully rewritten by each sample.
type Percolation struct{}

// maxPercolationL bounds L so that sizes and parent indices fit the int32
// encoding of the union–find array with two flag bits.
const maxPercolationL = 4096

// Spec implements Kernel.
func (Percolation) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "percolation",
		Doc:  "Site percolation on an LxL square lattice with open boundaries: top-bottom spanning and the largest cluster.",
		Params: []sim.ParamSpec{
			{Name: "L", Label: "lattice size L", Kind: sim.Int, Doc: "linear size of the lattice (L x L sites)", Range: &sim.Range{Min: 2, Max: maxPercolationL}},
			{Name: "p", Label: "occupation probability p", Kind: sim.Float, Doc: "occupation probability of each site", Range: &sim.Range{Min: 0, Max: 1}},
		},
		Observables: []sim.ObservableSpec{
			{Name: "span", Label: "spanning probability", Doc: "1 if a cluster connects the top and bottom rows, else 0; mean = spanning probability", IID: true},
			{Name: "largest", Label: "largest cluster / L²", Doc: "size of the largest cluster / L^2", IID: true},
		},
	}
}

// New implements Kernel.
func (Percolation) New(p sim.Params) (Sampler, error) {
	l := int(p.Int("L"))
	return &percSampler{l: l, p: p.Float("p"), site: make([]int32, l*l)}, nil
}

// The union–find array holds, for each site:
//
//	0                   empty
//	v > 0               occupied, parent is site v−1
//	v < 0               occupied root; −v = size<<2 | touchesBottom<<1 | touchesTop
const (
	percTop    = 1
	percBottom = 2
	percShift  = 2
)

type percSampler struct {
	l    int
	p    float64
	site []int32
}

func (s *percSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	var spans int64
	sites := float64(len(s.site))
	for range n {
		span, largest := s.one(r)
		if span {
			spans++
		}
		obs[1].Add(float64(largest) / sites)
	}
	obs[0].Merge(sim.Binary(n, spans, 0, 1))
}

// one simulates a lattice and reports whether it spans and the size of its
// largest cluster.
func (s *percSampler) one(r *rng.Xoshiro256) (span bool, largest int32) {
	g := *r
	var u uint64
	l, site, p := s.l, s.site, s.p
	for row := range l {
		var v0 int32 = 1 << percShift // a new root: size 1, flags for its row
		if row == 0 {
			v0 |= percTop
		}
		if row == l-1 {
			v0 |= percBottom
		}
		base := row * l
		run := int32(-1) // root of the cluster of the occupied run ending at the left neighbour
		for col := range l {
			i := base + col
			g, u = g.Next()
			if !(rng.Unit(u) < p) {
				site[i] = 0
				run = -1
				continue
			}
			if run >= 0 {
				// Join the run's cluster directly, as a leaf of its root
				// (what union by size would do), which already carries
				// this row's flags from the run's first site.
				site[i] = run + 1
				site[run] -= 1 << percShift
			} else {
				site[i] = -v0
				run = int32(i)
			}
			if row > 0 && site[i-l] != 0 {
				run = s.union(run, s.find(int32(i-l)))
			}
			rv := -site[run]
			if rv&(percTop|percBottom) == percTop|percBottom {
				span = true
			}
			largest = max(largest, rv>>percShift)
		}
	}
	*r = g
	return span, largest
}

// find returns the root of x's cluster, halving the path on the way.
func (s *percSampler) find(x int32) int32 {
	site := s.site
	for {
		p := site[x]
		if p < 0 {
			return x
		}
		p--
		gp := site[p]
		if gp < 0 {
			return p
		}
		site[x] = gp // point x at its grandparent
		x = gp - 1
	}
}

// union joins the clusters of roots a and b and returns the new root: the
// larger cluster's, which takes the sum of the sizes and the union of the
// flags.
func (s *percSampler) union(a, b int32) int32 {
	if a == b {
		return a
	}
	site := s.site
	va, vb := -site[a], -site[b]
	if va>>percShift < vb>>percShift {
		a, b, va, vb = b, a, vb, va
	}
	flags := (va | vb) & (percTop | percBottom)
	size := va>>percShift + vb>>percShift
	site[a] = -(size<<percShift | flags)
	site[b] = a + 1
	return a
}
