package kernels

import (
	"math"
	"testing"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

func percSet(l int64, p float64) map[string]sim.Value {
	return map[string]sim.Value{"L": sim.IntValue(l), "p": sim.FloatValue(p)}
}

// clustersBFS labels the occupied sites of an l×l lattice (row-major) by
// breadth-first search, independently of the kernel's union–find, and
// reports whether a cluster joins the top and bottom rows and the size of
// the largest cluster.
func clustersBFS(occ []bool, l int) (span bool, largest int) {
	seen := make([]bool, len(occ))
	queue := make([]int, 0, len(occ))
	for start := range occ {
		if !occ[start] || seen[start] {
			continue
		}
		seen[start] = true
		queue = append(queue[:0], start)
		top, bottom := false, false
		for k := 0; k < len(queue); k++ {
			i := queue[k]
			row, col := i/l, i%l
			top = top || row == 0
			bottom = bottom || row == l-1
			for _, nb := range [4][2]int{{row - 1, col}, {row + 1, col}, {row, col - 1}, {row, col + 1}} {
				if nb[0] < 0 || nb[0] >= l || nb[1] < 0 || nb[1] >= l {
					continue
				}
				j := nb[0]*l + nb[1]
				if occ[j] && !seen[j] {
					seen[j] = true
					queue = append(queue, j)
				}
			}
		}
		span = span || (top && bottom)
		largest = max(largest, len(queue))
	}
	return span, largest
}

// percExact returns the exact spanning probability and mean largest-cluster
// fraction of an l×l lattice, by enumerating all 2^(l²) configurations
// weighted by p^k (1−p)^(l²−k).
func percExact(l int, p float64) (span, largest float64) {
	n := l * l
	occ := make([]bool, n)
	for mask := 0; mask < 1<<n; mask++ {
		w := 1.0
		for i := range occ {
			occ[i] = mask>>i&1 == 1
			if occ[i] {
				w *= p
			} else {
				w *= 1 - p
			}
		}
		s, m := clustersBFS(occ, l)
		if s {
			span += w
		}
		largest += w * float64(m) / float64(n)
	}
	return span, largest
}

func TestPercolationExactSmall(t *testing.T) {
	// Reference: exact enumeration of all 2^(L²) configurations (percExact,
	// with BFS clusters). For L = 2 the spanning probability is also
	// 1 − (1 − p²)² in closed form (a column of two occupied sites), 7/16 at
	// p = 1/2, which checks the enumeration. Tolerance 4 standard errors,
	// fixed seed.
	if s, _ := percExact(2, 0.5); math.Abs(s-7.0/16) > 1e-15 {
		t.Fatalf("enumeration gives %v for L=2, p=1/2; closed form 7/16", s)
	}
	for _, tc := range []struct {
		name string
		l    int
		p    float64
	}{
		{"L2-p0.5", 2, 0.5},
		{"L3-p0.5", 3, 0.5},
		{"L3-p0.3", 3, 0.3},
		{"L4-p0.6", 4, 0.6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 200_000
			obs := run(t, Percolation{}, percSet(int64(tc.l), tc.p), 17, n)
			span, largest := percExact(tc.l, tc.p)
			checkMean(t, "span", obs[0], span, 4)
			checkMean(t, "largest", obs[1], largest, 4)
		})
	}
}

func TestPercolationMatchesBFS(t *testing.T) {
	// The union–find must find exactly the clusters a breadth-first search
	// finds on the same configuration, rebuilt from the same stream (one
	// draw per site, occupied iff Unit(u) < p).
	for _, tc := range []struct {
		l int
		p float64
	}{{2, 0.5}, {5, 0.4}, {8, 0.59}, {17, 0.55}, {32, 0.6}, {33, 0.7}, {40, 0.3}} {
		s, err := Percolation{}.New(params(t, Percolation{}, percSet(int64(tc.l), tc.p)))
		if err != nil {
			t.Fatal(err)
		}
		ps := s.(*percSampler)
		r := rng.FromSeed(uint64(tc.l))
		occ := make([]bool, tc.l*tc.l)
		for k := range 200 {
			replay := r
			span, largest := ps.one(&r)
			for i := range occ {
				occ[i] = rng.Unit(replay.Uint64()) < tc.p
			}
			if replay != r {
				t.Fatalf("L=%d: the sampler drew a different number of values than sites", tc.l)
			}
			wantSpan, wantLargest := clustersBFS(occ, tc.l)
			if span != wantSpan || int(largest) != wantLargest {
				t.Fatalf("L=%d p=%v sample %d: span %v largest %d, BFS says %v %d", tc.l, tc.p, k, span, largest, wantSpan, wantLargest)
			}
		}
	}
}

func TestPercolationEndpoints(t *testing.T) {
	// Exact: at p = 0 no site is occupied; at p = 1 every site is, and the
	// whole lattice is one spanning cluster (Unit(u) < 1 always holds).
	for _, l := range []int64{2, 7, 64} {
		obs := run(t, Percolation{}, percSet(l, 0), 1, 50)
		if obs[0].N != 50 || obs[0].Max != 0 || obs[1].Max != 0 {
			t.Errorf("L=%d p=0: span %+v largest %+v, want all 0", l, obs[0], obs[1])
		}
		obs = run(t, Percolation{}, percSet(l, 1), 1, 50)
		if obs[0].Min != 1 || obs[1].Min != 1 {
			t.Errorf("L=%d p=1: span %+v largest %+v, want all 1", l, obs[0], obs[1])
		}
	}
}

func TestPercolationThreshold(t *testing.T) {
	// Newman and Ziff (2000): p_c = 0.59274621(13) for site percolation on
	// the square lattice. At p_c the top–bottom crossing probability of a
	// square tends to 1/2 (Cardy's formula, aspect ratio 1); with open
	// boundaries at L = 64 the finite-size value differs from 1/2 by a few
	// percent, so the tolerance is the wide [0.35, 0.65] (4 SE is 0.03 at
	// 4000 samples).
	const n = 4_000
	obs := run(t, Percolation{}, percSet(64, 0.5927), 2000, n)
	if m := obs[0].Mean; m < 0.35 || m > 0.65 {
		t.Errorf("spanning probability at p=0.5927, L=64: %.4f, want in [0.35, 0.65]", m)
	}
	t.Logf("L=64 p=0.5927: span %.4f, largest %.4f", obs[0].Mean, obs[1].Mean)
}

func TestPercolationCrossing(t *testing.T) {
	// Finite-size scaling: below p_c the spanning probability falls with L,
	// above it rises (the curves for different L cross near p_c = 0.5927,
	// Newman and Ziff 2000). At p = 0.55 and 0.65 the L = 16 and L = 64
	// values differ by about 0.2 (measured); the test asserts the order with
	// the difference beyond 4 combined standard errors.
	const n = 4_000
	for _, tc := range []struct {
		name string
		p    float64
		up   bool // spanning probability increases from L=16 to L=64
	}{
		{"below-pc", 0.55, false},
		{"above-pc", 0.65, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			small := run(t, Percolation{}, percSet(16, tc.p), 31, n)[0]
			large := run(t, Percolation{}, percSet(64, tc.p), 32, n)[0]
			d := large.Mean - small.Mean
			if !tc.up {
				d = -d
			}
			se := math.Sqrt(small.Variance()/n + large.Variance()/n)
			if !(d > 4*se) {
				t.Errorf("p=%v: span L=16 %.4f, L=64 %.4f; want L=64 %s by more than 4 SE (%.3g)",
					tc.p, small.Mean, large.Mean, map[bool]string{true: "higher", false: "lower"}[tc.up], 4*se)
			}
			t.Logf("p=%v: span L=16 %.4f, L=64 %.4f", tc.p, small.Mean, large.Mean)
		})
	}
}

func TestPercolationChunksIndependentOfHistory(t *testing.T) {
	// The union–find array is reused across samples and chunks.
	checkHistoryFree(t, Percolation{}, percSet(20, 0.6), 50)
}

func TestPercolationInvalid(t *testing.T) {
	spec := Percolation{}.Spec()
	for _, tc := range []struct {
		name, param string
		v           sim.Value
	}{
		{"L=1", "L", sim.IntValue(1)},
		{"L too large", "L", sim.IntValue(maxPercolationL + 1)},
		{"p<0", "p", sim.FloatValue(-0.1)},
		{"p>1", "p", sim.FloatValue(1.5)},
	} {
		p, ok := spec.Param(tc.param)
		if !ok {
			t.Fatalf("%s: no parameter %q", tc.name, tc.param)
		}
		if err := p.Check(tc.v); err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	for _, name := range []string{"L", "p"} {
		if p, _ := spec.Param(name); !p.Required() {
			t.Errorf("%s has a default, want it required", name)
		}
	}
}

func TestPercolationNoAllocations(t *testing.T) {
	s, err := Percolation{}.New(params(t, Percolation{}, percSet(32, 0.6)))
	if err != nil {
		t.Fatal(err)
	}
	obs := make([]sim.Acc, 2)
	r := rng.FromSeed(1)
	if a := testing.AllocsPerRun(10, func() { s.Sample(&r, 100, obs) }); a != 0 {
		t.Errorf("%v allocations per chunk, want 0", a)
	}
}

// BenchmarkPercolation reports ns per sample (one op is one lattice) near
// the threshold.
func BenchmarkPercolation(b *testing.B) {
	for _, l := range []int64{64, 256} {
		b.Run("L="+sim.IntValue(l).String(), func(b *testing.B) {
			s, _ := Percolation{}.New(params(b, Percolation{}, percSet(l, 0.5927)))
			obs := make([]sim.Acc, 2)
			r := rng.FromSeed(1)
			b.ResetTimer()
			s.Sample(&r, int64(b.N), obs)
		})
	}
}
