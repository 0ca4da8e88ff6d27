package kernels

import (
	"math"
	"testing"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
	"gonum.org/v1/gonum/mathext"
)

// isingSet builds a parameter set for ising2d.
func isingSet(l int64, T, J, h float64, algorithm string) map[string]sim.Value {
	return map[string]sim.Value{
		"L": sim.IntValue(l), "T": sim.FloatValue(T), "J": sim.FloatValue(J), "h": sim.FloatValue(h),
		"algorithm": sim.StringValue(algorithm),
	}
}

// isingMoments holds <e>, <|m|>, <e²>, <m²>, <m⁴>, in Spec order.
type isingMoments [5]float64

var isingObsNames = [5]string{"e", "m", "e2", "m2", "m4"}

// isingExact sums the Boltzmann weights of all 2^(l·l) states of the
// periodic l×l lattice, with the kernel's Hamiltonian (each site's right and
// down bond once), and returns the exact moments. Weights are taken
// relative to the lowest energy so that none overflows.
func isingExact(l int, T, J, h float64) isingMoments {
	n := l * l
	energy := func(c uint64) (e, m float64) {
		spin := func(x, y int) float64 { return float64(int(c>>uint(((y+l)%l)*l+(x+l)%l)&1)*2 - 1) }
		var bonds, mag float64
		for y := range l {
			for x := range l {
				s := spin(x, y)
				bonds += s * (spin(x+1, y) + spin(x, y+1))
				mag += s
			}
		}
		return (-J*bonds - h*mag) / float64(n), math.Abs(mag) / float64(n)
	}
	e0 := math.Inf(1)
	for c := range uint64(1) << n {
		e, _ := energy(c)
		e0 = math.Min(e0, e)
	}
	var z float64
	var sum isingMoments
	for c := range uint64(1) << n {
		e, m := energy(c)
		w := math.Exp(-float64(n) * (e - e0) / T)
		z += w
		for i, v := range (isingMoments{e, m, e * e, m * m, m * m * m * m}) {
			sum[i] += w * v
		}
	}
	for i := range sum {
		sum[i] /= z
	}
	return sum
}

// isingChains runs independent chains, chain c from rng.FromSeed(seed+c)
// as simrun runs independent chunks, reusing one Sampler as a worker does.
// It returns the mean over chains of each observable's chain mean and its
// batch-means standard error (standard deviation of the chain means over
// √chains).
func isingChains(t testing.TB, set map[string]sim.Value, seed uint64, chains int, n int64) (mean, se isingMoments) {
	t.Helper()
	s, err := Ising2D{}.New(params(t, Ising2D{}, set))
	if err != nil {
		t.Fatal(err)
	}
	obs := make([]sim.Acc, 5)
	var batch [5]sim.Acc
	for c := range chains {
		clear(obs)
		r := rng.FromSeed(seed + uint64(c))
		s.Sample(&r, n, obs)
		for i := range obs {
			if obs[i].N != n {
				t.Fatalf("chain %d: %s has %d samples, want %d", c, isingObsNames[i], obs[i].N, n)
			}
			batch[i].Add(obs[i].Mean)
		}
	}
	for i := range batch {
		mean[i], se[i] = batch[i].Mean, math.Sqrt(batch[i].Variance()/float64(chains))
	}
	return mean, se
}

// checkWithinSE fails unless got is within tol standard errors se of want.
func checkWithinSE(t *testing.T, name string, got, se, want, tol float64) {
	t.Helper()
	if d := math.Abs(got - want); !(d <= tol*se) {
		t.Errorf("%s = %.6g, want %.6g ± %.2g (%g batch-means standard errors of %.3g); off by %.1f SE", name, got, want, tol*se, tol, se, d/se)
	}
}

func TestIsingExactEnumeration(t *testing.T) {
	// Exact: the moments of the 4×4 periodic lattice by summing the
	// Boltzmann weights of all 2^16 states (isingExact). Monte Carlo: 32
	// independent chains (burnin 1000 sweeps or sweep equivalents) of
	// 50000 measurements each; every observable must agree within 4
	// batch-means standard errors across chains. Wolff measures after every
	// cluster, Metropolis after every sweep.
	const (
		l      = 4
		chains = 32
		n      = 50_000
		tol    = 4
	)
	for _, tc := range []struct {
		name      string
		T, J, h   float64
		algorithm string
	}{
		{"metropolis/T=1.5", 1.5, 1, 0, "metropolis"},
		{"metropolis/T=2.27", 2.27, 1, 0, "metropolis"},
		{"metropolis/T=3.5", 3.5, 1, 0, "metropolis"},
		{"metropolis/T=2.27,h=0.3", 2.27, 1, 0.3, "metropolis"},
		{"metropolis/T=2,J=-1,h=0.5", 2, -1, 0.5, "metropolis"},
		{"wolff/T=1.5", 1.5, 1, 0, "wolff"},
		{"wolff/T=2.27", 2.27, 1, 0, "wolff"},
		{"wolff/T=3.5", 3.5, 1, 0, "wolff"},
		{"wolff/T=2,J=-1", 2, -1, 0, "wolff"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := isingExact(l, tc.T, tc.J, tc.h)
			got, se := isingChains(t, isingSet(l, tc.T, tc.J, tc.h, tc.algorithm), 20261125, chains, n)
			for i, name := range isingObsNames {
				checkWithinSE(t, name, got[i], se[i], want[i], tol)
			}
		})
	}
}

func TestIsingExactEnumerationSanity(t *testing.T) {
	// The enumeration itself, against limits that hold exactly: at very
	// high temperature the spins are independent, so <e> → 0 and
	// <m²> = 1/N; at low temperature the lattice is in a ground state,
	// e = −2J and |m| = 1. Tolerances 1e-3 (the O(1/T) and O(e^{−8/T})
	// corrections at T = 1e4 and T = 0.1).
	hot := isingExact(4, 1e4, 1, 0)
	if math.Abs(hot[0]) > 1e-3 || math.Abs(hot[3]-1.0/16) > 1e-3 {
		t.Errorf("T=1e4: <e> = %g, <m²> = %g, want 0 and 1/16", hot[0], hot[3])
	}
	cold := isingExact(4, 0.1, 1, 0)
	if math.Abs(cold[0]+2) > 1e-3 || math.Abs(cold[1]-1) > 1e-3 {
		t.Errorf("T=0.1: <e> = %g, <|m|> = %g, want -2 and 1", cold[0], cold[1])
	}
}

// ellipticK returns the complete elliptic integral of the first kind K(k)
// for modulus k (parameter m = k²), as π/(2·AGM(1, √(1−k²))) (Abramowitz and
// Stegun 17.6). It agrees with gonum's mathext.CompleteK(k²) to the last
// digit at k = 0.3, 0.9, 0.999.
func ellipticK(k float64) float64 {
	a, b := 1.0, math.Sqrt(1-k*k)
	for range 64 {
		if math.Abs(a-b) <= 1e-16*a {
			break
		}
		a, b = (a+b)/2, math.Sqrt(a*b)
	}
	return math.Pi / (2 * a)
}

// isingRefParams returns ising2d parameters at temperature T and coupling
// J, h = 0, for the reference functions in reference.go.
func isingRefParams(T, J float64) sim.Params {
	spec := Ising2D{}.Spec()
	vals := make([]sim.Value, len(spec.Params))
	for i, p := range spec.Params {
		vals[i] = p.Default
	}
	return sim.NewParams(spec.Params, vals).With("L", sim.IntValue(16)).With("T", sim.FloatValue(T)).With("J", sim.FloatValue(J))
}

func onsagerEnergy(T, J float64) float64        { return onsagerE(isingRefParams(T, J)) }
func onsagerMagnetisation(T, J float64) float64 { return onsagerM(isingRefParams(T, J)) }

func TestIsingReferenceFunctions(t *testing.T) {
	// gonum's CompleteK takes the parameter m = k²: it must agree with the
	// independent AGM evaluation (Abramowitz and Stegun 17.6) to 1e-14.
	for _, k := range []float64{0.3, 0.9, 0.999} {
		if a, b := mathext.CompleteK(k*k), ellipticK(k); math.Abs(a-b) > 1e-14*b {
			t.Errorf("CompleteK(%g²) = %.17g, AGM %.17g", k, a, b)
		}
	}
	// The specific heat is the temperature derivative of the energy:
	// central differences of onsagerE (step 1e-5, error O(1e-10)) must match
	// onsagerC to 1e-6 relative away from Tc.
	for _, T := range []float64{1.0, 1.8, 2.0, 2.6, 3.5} {
		const h = 1e-5
		d := (onsagerEnergy(T+h, 1) - onsagerEnergy(T-h, 1)) / (2 * h)
		if c := onsagerC(isingRefParams(T, 1)); math.Abs(c-d) > 1e-6*math.Abs(d) {
			t.Errorf("T=%g: onsagerC = %.10g, dU/dT = %.10g", T, c, d)
		}
	}
	// Above Tc the spontaneous magnetisation is exactly 0; for h ≠ 0 there
	// is no reference.
	if m := onsagerMagnetisation(3, 1); m != 0 {
		t.Errorf("M(T=3) = %g, want 0", m)
	}
	if m := onsagerM(isingRefParams(1.5, 1).With("h", sim.FloatValue(0.1))); !math.IsNaN(m) {
		t.Errorf("M with h=0.1 = %g, want NaN", m)
	}
}

func TestIsingOnsagerFormulas(t *testing.T) {
	// Exact identities of the reference formulas themselves: the
	// magnetisation vanishes at Tc, where sinh(2/Tc) = 1 (tolerance 1e-12,
	// rounding); the energy tends to −√2 at Tc (exact, Onsager 1944;
	// tolerance 1e-4 at T = Tc(1+1e-6), where the logarithmic singularity
	// leaves a 2e-5 offset); and at T = 0.5 it matches the low-temperature
	// expansion −2 + 8e^{−8/T} (one flipped spin, energy 8J; the next term,
	// two adjacent flipped spins, is of order e^{−12/T} ≈ 4e-11; tolerance 1e-9).
	if s := math.Sinh(2 / isingTc); math.Abs(s-1) > 1e-12 {
		t.Errorf("sinh(2/Tc) = %.15g, want 1", s)
	}
	if m := onsagerMagnetisation(isingTc*(1-1e-12), 1); m > 0.05 {
		t.Errorf("M(Tc⁻) = %g, want ≈ 0", m)
	}
	if u := onsagerEnergy(isingTc*(1+1e-6), 1); math.Abs(u+math.Sqrt2) > 1e-4 {
		t.Errorf("u(Tc) = %.8g, want -√2 = %.8g", u, -math.Sqrt2)
	}
	if u, want := onsagerEnergy(0.5, 1), -2+8*math.Exp(-16); math.Abs(u-want) > 1e-9 {
		t.Errorf("u(T=0.5) = %.12g, want %.12g", u, want)
	}
}

func TestIsingOnsager(t *testing.T) {
	// L = 64 against the infinite lattice (Onsager 1944; Yang 1952), J = 1,
	// h = 0:
	//   T = 1.8 < Tc: <|m|> against the spontaneous magnetisation
	//   0.956857 (onsagerMagnetisation) and <e> against −1.859304
	//   (onsagerEnergy);
	//   T = 3.0 > Tc: <e> against −0.817310 (onsagerEnergy).
	// Tolerance: 4 batch-means standard errors (16 chains, burnin 200 sweeps
	// or sweep equivalents, 1000 measurements; SE ≲ 1e-4 for m, 5e-4 for e)
	// plus 1e-3 (0.1%) for the finite-size correction, which is of order
	// e^{−L/ξ} with ξ ≈ 2 at both temperatures, far below it.
	const (
		l      = 64
		chains = 16
		n      = 1000
		slack  = 1e-3
	)
	for _, tc := range []struct {
		name      string
		T         float64
		algorithm string
		thin      int64 // sweeps, or clusters for wolff
	}{
		{"metropolis/T=1.8", 1.8, "metropolis", 1},
		{"metropolis/T=3.0", 3.0, "metropolis", 1},
		{"wolff/T=1.8", 1.8, "wolff", 1},   // a cluster is most of the lattice
		{"wolff/T=3.0", 3.0, "wolff", 256}, // clusters are small above Tc
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := isingSet(l, tc.T, 1, 0, tc.algorithm)
			set["burnin"], set["thin"] = sim.IntValue(200), sim.IntValue(tc.thin)
			got, se := isingChains(t, set, 1944, chains, n)
			check := func(name string, i int, want float64) {
				t.Helper()
				t.Logf("%s = %.6f ± %.1g, exact %.6f", name, got[i], se[i], want)
				if d := math.Abs(got[i] - want); !(d <= 4*se[i]+slack) {
					t.Errorf("%s = %.6f ± %.1g, want %.6f within 4 SE + %g", name, got[i], se[i], want, slack)
				}
			}
			check("<e>", 0, onsagerEnergy(tc.T, 1))
			if tc.T < isingTc {
				check("<|m|>", 1, onsagerMagnetisation(tc.T, 1))
			}
		})
	}
}

// isingRun returns the accumulators of one chunk of n samples from seed.
func isingRun(t *testing.T, s Sampler, seed uint64, n int64) [5]sim.Acc {
	t.Helper()
	var obs [5]sim.Acc
	r := rng.FromSeed(seed)
	s.Sample(&r, n, obs[:])
	return obs
}

func TestIsingDeterminism(t *testing.T) {
	// Same seed, same bytes, whether the sampler is new or has run another
	// chunk before; a different seed gives a different result.
	for _, tc := range []struct {
		name string
		set  map[string]sim.Value
	}{
		{"metropolis-cold", isingSet(8, 2.3, 1, 0.1, "metropolis")},
		{"metropolis-hot", func() map[string]sim.Value {
			s := isingSet(10, 2.3, 1, 0, "metropolis")
			s["start"] = sim.StringValue("hot")
			return s
		}()},
		{"wolff-hot", func() map[string]sim.Value {
			s := isingSet(8, 2.3, 1, 0, "wolff")
			s["start"] = sim.StringValue("hot")
			return s
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.set["burnin"] = sim.IntValue(10)
			p := params(t, Ising2D{}, tc.set)
			s1, err1 := Ising2D{}.New(p)
			s2, err2 := Ising2D{}.New(p)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			a := isingRun(t, s1, 42, 200)
			isingRun(t, s2, 7, 300) // a chunk before: the lattice must be reset
			b := isingRun(t, s2, 42, 200)
			c := isingRun(t, s1, 43, 200)
			if a != b {
				t.Errorf("same seed, different results:\n%+v\n%+v", a, b)
			}
			if a == c {
				t.Errorf("seeds 42 and 43 gave identical results %+v", a)
			}
		})
	}
}

// referenceSweep is a plain checkerboard Metropolis sweep: same site order
// and one draw per site as the kernel, but neighbours by modulo and the
// acceptance decided by comparison on the tabulated threshold.
func referenceSweep(r *rng.Xoshiro256, l int, sp []uint8, thresh *[16]uint64) {
	at := func(x, y int) uint8 { return sp[((y+l)%l)*l+(x+l)%l] }
	for c := range 2 {
		for y := range l {
			for x := range l {
				if (x+y)%2 != c {
					continue
				}
				s := at(x, y)
				k := at(x-1, y) + at(x+1, y) + at(x, y-1) + at(x, y+1)
				if r.Uint64()>>1 < thresh[k<<1|s] {
					sp[y*l+x] ^= 1
				}
			}
		}
	}
}

func TestIsingSweepMatchesReference(t *testing.T) {
	// The fast row loop (boundary sites handled apart, branch-free
	// acceptance) must leave exactly the lattice and generator state that
	// the plain loop leaves, for every even L from 2 to 12, from a hot start.
	for l := 2; l <= 12; l += 2 {
		s, err := Ising2D{}.New(params(t, Ising2D{}, isingSet(int64(l), 2.2, 1, 0.2, "metropolis")))
		if err != nil {
			t.Fatal(err)
		}
		is := s.(*isingSampler)
		g := is.reset(rng.FromSeed(uint64(l)))
		want := append([]uint8(nil), is.spins...)
		r := g
		for range 20 {
			g = is.sweep(g)
			referenceSweep(&r, l, want, &is.thresh)
		}
		if string(is.spins) != string(want) || g != r {
			t.Errorf("L=%d: fast sweep differs from the reference (generators equal: %v)", l, g == r)
		}
	}
}

func TestIsingCountRow(t *testing.T) {
	// The word-at-a-time counts against a per-site loop, on random rows of
	// every length from 2 to 40 (exact).
	r := rng.FromSeed(11)
	for l := 2; l <= 40; l++ {
		for range 20 {
			row, below := make([]uint8, l), make([]uint8, l)
			for i := range row {
				row[i], below[i] = uint8(r.Uint64()&1), uint8(r.Uint64()&1)
			}
			var up, unsat int
			for x := range l {
				up += int(row[x])
				if row[x] != row[(x+1)%l] {
					unsat++
				}
				if row[x] != below[x] {
					unsat++
				}
			}
			if gu, gb := countRow(row, below); gu != up || gb != unsat {
				t.Fatalf("L=%d: countRow = %d up, %d unsatisfied; want %d, %d", l, gu, gb, up, unsat)
			}
		}
	}
}

func TestIsingThresholds(t *testing.T) {
	// The table against min(1, exp(−ΔE/T))·2^63 with math.Exp, ΔE = 2σ(J·S + h)
	// for spin σ and neighbour sum S (exact formula; tolerance 1e-14
	// relative, the accuracy of expPortable plus the 2^-63 truncation).
	const T, J, h = 2.1, 0.7, -0.35
	s, err := Ising2D{}.New(params(t, Ising2D{}, isingSet(4, T, J, h, "metropolis")))
	if err != nil {
		t.Fatal(err)
	}
	th := s.(*isingSampler).thresh
	for k := range 5 {
		for sp := range 2 {
			sigma, sum := float64(2*sp-1), float64(2*k-4)
			p := math.Min(1, math.Exp(-2*sigma*(J*sum+h)/T))
			if got := float64(th[k<<1|sp]) / 0x1p63; math.Abs(got-p) > 1e-14*p {
				t.Errorf("k=%d s=%d: acceptance %.17g, want %.17g", k, sp, got, p)
			}
		}
	}
}

func TestIsingHotStart(t *testing.T) {
	// A hot start draws independent fair spins: over 64×64 sites the
	// up fraction is 1/2 within 4 binomial standard errors (4·√(1/4/4096)).
	s, err := Ising2D{}.New(params(t, Ising2D{}, map[string]sim.Value{
		"L": sim.IntValue(64), "T": sim.FloatValue(1), "start": sim.StringValue("hot"),
	}))
	if err != nil {
		t.Fatal(err)
	}
	is := s.(*isingSampler)
	is.reset(rng.FromSeed(3))
	var up int
	for _, v := range is.spins {
		up += int(v)
	}
	if f := float64(up) / 4096; math.Abs(f-0.5) > 4*math.Sqrt(0.25/4096) {
		t.Errorf("hot start: up fraction %g, want 1/2", f)
	}
}

func TestIsingInvalidParams(t *testing.T) {
	// Combinations New rejects.
	for _, tc := range []struct {
		name string
		set  map[string]sim.Value
	}{
		{"odd L", isingSet(5, 2, 1, 0, "metropolis")},
		{"odd L wolff", isingSet(7, 2, 1, 0, "wolff")},
		{"wolff with field", isingSet(8, 2, 1, 0.1, "wolff")},
		{"wolff with negative field", isingSet(8, 2, 1, -1e-9, "wolff")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := (Ising2D{}).New(params(t, Ising2D{}, tc.set)); err == nil {
				t.Errorf("New accepted %v: %T", tc.set, s)
			} else {
				t.Log(err)
			}
		})
	}
	// Values the spec rejects before New.
	spec := Ising2D{}.Spec()
	for _, tc := range []struct {
		name  string
		param string
		v     sim.Value
	}{
		{"L too small", "L", sim.IntValue(1)},
		{"L too large", "L", sim.IntValue(4098)},
		{"T zero", "T", sim.FloatValue(0)},
		{"T negative", "T", sim.FloatValue(-1)},
		{"J infinite", "J", sim.FloatValue(math.Inf(1))},
		{"burnin negative", "burnin", sim.IntValue(-1)},
		{"thin zero", "thin", sim.IntValue(0)},
		{"start unknown", "start", sim.StringValue("warm")},
		{"algorithm unknown", "algorithm", sim.StringValue("swendsen-wang")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := spec.Param(tc.param)
			if !ok {
				t.Fatalf("no parameter %q", tc.param)
			}
			if err := p.Check(tc.v); err == nil {
				t.Errorf("%s = %s accepted", tc.param, tc.v)
			}
		})
	}
}

func TestIsingSpec(t *testing.T) {
	spec := Ising2D{}.Spec()
	for _, name := range []string{"L", "T"} {
		if p, ok := spec.Param(name); !ok || !p.Required() {
			t.Errorf("%s: declared %v, required %v; want a required parameter", name, ok, p.Required())
		}
	}
	for i, o := range spec.Observables {
		if o.Name != isingObsNames[i] || o.IID {
			t.Errorf("observable %d = %+v, want %q, not IID", i, o, isingObsNames[i])
		}
	}
}

func TestIsingNoAllocations(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  map[string]sim.Value
	}{
		{"metropolis", isingSet(16, 2.3, 1, 0.1, "metropolis")},
		{"wolff", isingSet(16, 2.3, 1, 0, "wolff")},
		{"wolff-hot", func() map[string]sim.Value {
			s := isingSet(16, 2.3, -1, 0, "wolff")
			s["start"] = sim.StringValue("hot")
			return s
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.set["burnin"] = sim.IntValue(5)
			s, err := Ising2D{}.New(params(t, Ising2D{}, tc.set))
			if err != nil {
				t.Fatal(err)
			}
			obs := make([]sim.Acc, 5)
			r := rng.FromSeed(1)
			if a := testing.AllocsPerRun(10, func() { s.Sample(&r, 100, obs) }); a != 0 {
				t.Errorf("%v allocations per chunk, want 0", a)
			}
		})
	}
}

func TestIsingWolffClusterSize(t *testing.T) {
	// At T → 0 every satisfied bond joins (p = 1 − e^{−2/T} rounds to 1 at
	// T = 0.01), so in a ground state (all up; Néel for J < 0) one cluster
	// is the whole lattice and leaves a ground state; at J = 0 no bond
	// joins, so a cluster is one site. Exact.
	for _, tc := range []struct {
		name string
		J, T float64
		want int
	}{
		{"frozen", 1, 0.01, 36},
		{"frozen-antiferro", -1, 0.01, 36},
		{"free", 0, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Ising2D{}.New(params(t, Ising2D{}, isingSet(6, tc.T, tc.J, 0, "wolff")))
			if err != nil {
				t.Fatal(err)
			}
			is := s.(*isingSampler)
			g := is.reset(rng.FromSeed(5))
			if tc.J < 0 {
				for i := range is.spins {
					is.spins[i] = uint8((i/6 + i%6) & 1)
				}
			}
			for i := range 10 {
				var size int
				g, size = is.cluster(g)
				if size != tc.want {
					t.Fatalf("cluster %d has %d sites, want %d", i, size, tc.want)
				}
			}
		})
	}
}
