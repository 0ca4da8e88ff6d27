package birthday

import (
	"math"
	"math/big"
	"testing"

	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// params binds the kernel's defaults overridden by people and days,
// checked against the spec's ranges as simrun checks them.
func params(t testing.TB, people, days int64) sim.Params {
	t.Helper()
	spec := Kernel{}.Spec()
	set := map[string]sim.Value{"people": sim.IntValue(people), "days": sim.IntValue(days)}
	vals := make([]sim.Value, len(spec.Params))
	for i, p := range spec.Params {
		vals[i] = p.Default
		if v, ok := set[p.Name]; ok {
			vals[i] = v
		}
		if err := p.Check(vals[i]); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
	}
	return sim.NewParams(spec.Params, vals)
}

// sample draws n samples at (people, days) from the generator seeded with
// seed and returns the accumulator of shared.
func sample(t testing.TB, people, days int64, seed uint64, n int64) sim.Acc {
	t.Helper()
	s, err := Kernel{}.New(params(t, people, days))
	if err != nil {
		t.Fatal(err)
	}
	obs := make([]sim.Acc, 1)
	r := rng.FromSeed(seed)
	s.Sample(&r, n, obs)
	return obs[0]
}

// checkShared fails unless the mean of n samples at (people, days), seed
// fixed, is within tol standard errors of Exact. The standard error is the
// exact one, sqrt(p(1−p)/n): where p is 0 or 1 the mean must be exact.
func checkShared(t *testing.T, people, days int64, seed uint64, n int64, tol float64) {
	t.Helper()
	a := sample(t, people, days, seed, n)
	if a.N != n {
		t.Fatalf("people=%d days=%d: N = %d, want %d", people, days, a.N, n)
	}
	p := Exact(people, days)
	se := math.Sqrt(float64(p*(1-p)) / float64(n))
	if se > 0 {
		t.Logf("people=%d days=%d: mean %.6f over %d samples, exact %.6f, se %.2g, z = %+.2f", people, days, a.Mean, n, p, se, (a.Mean-p)/se)
	} else {
		t.Logf("people=%d days=%d: mean %v over %d samples, exact %v", people, days, a.Mean, n, p)
	}
	if d := math.Abs(a.Mean - p); !(d <= tol*se) {
		t.Errorf("people=%d days=%d: mean %.6g, want %.6g ± %.2g (%g standard errors of %.3g over %d samples)",
			people, days, a.Mean, p, tol*se, tol, se, n)
	}
}

// exactRat is 1 − ∏_{i<people} (days−i)/days in rationals, with no rounding.
func exactRat(people, days int64) *big.Rat {
	none := big.NewRat(1, 1)
	for i := range people {
		none.Mul(none, big.NewRat(max(days-i, 0), days))
	}
	return none.Sub(big.NewRat(1, 1), none)
}

func TestExact23(t *testing.T) {
	// The classical birthday problem (Feller, An Introduction to
	// Probability Theory and Its Applications, vol. 1, §II.3): 23 people
	// are the fewest for whom a shared birthday is more likely than not.
	// 0.5072972343239857 is the product 1 − ∏ (365−i)/365 evaluated in
	// float64 as Exact does, factor by factor; the exact rational,
	// 0.50729723432398540723..., rounds to 0.5072972343239854, 2 ulps
	// (2.2·10⁻¹⁶) below, within the bound Exact documents.
	const want = 0.5072972343239857
	got := Exact(23, 365)
	if got != want {
		t.Errorf("Exact(23, 365) = %v, want %v", got, want)
	}
	if ref := (Kernel{}).Spec().References[0]; ref.Name != "exact" || !ref.Exact || ref.Func(params(t, 23, 365)) != want {
		t.Errorf("reference %q (Exact %v) at people=23 days=365 is %v, want an exact reference of %v", ref.Name, ref.Exact, ref.Func(params(t, 23, 365)), want)
	}
	rat := exactRat(23, 365)
	exact, _ := rat.Float64()
	t.Logf("Exact(23, 365) = %v; exact rational %s = float64 %v; difference %.3g", got, rat.FloatString(20), exact, got-exact)
	if d := math.Abs(got - exact); d > 23*0x1p-52 {
		t.Errorf("Exact(23, 365) = %v is %.3g from the exact %s, beyond the bound 23·2⁻⁵²", got, d, rat.FloatString(20))
	}
	// 22 people are not enough: the probability is below one half.
	if p := Exact(22, 365); !(p < 0.5) {
		t.Errorf("Exact(22, 365) = %v, want < 0.5", p)
	}
}

func TestExactAgainstRationals(t *testing.T) {
	// Exact against the same product in rationals, within the bound its
	// doc states (people·2⁻⁵², two roundings per factor), and the edge
	// cases exactly: no one to share with, and more people than days.
	for _, tc := range []struct {
		name         string
		people, days int64
	}{
		{"one person", 1, 365},
		{"two people", 2, 365},
		{"classical 23", 23, 365},
		{"57 people", 57, 365},
		{"a full year", 365, 365},
		{"one more than days", 366, 365},
		{"one day, two people", 2, 1},
		{"one day, one person", 1, 1},
		{"many days, few people", 2, 100_000},
		{"the largest point", 1000, 100_000},
		{"coin, 3 people", 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Exact(tc.people, tc.days)
			exact, _ := exactRat(tc.people, tc.days).Float64()
			if d := math.Abs(got - exact); !(d <= float64(tc.people)*0x1p-52) {
				t.Errorf("Exact(%d, %d) = %v, exact %v: off by %.3g", tc.people, tc.days, got, exact, d)
			}
			switch {
			case tc.people <= 1 && got != 0:
				t.Errorf("Exact(%d, %d) = %v, want 0", tc.people, tc.days, got)
			case tc.people > tc.days && got != 1:
				t.Errorf("Exact(%d, %d) = %v, want 1", tc.people, tc.days, got)
			}
		})
	}
}

func TestMonteCarlo(t *testing.T) {
	// 10⁶ samples at the classical point, fixed seed: within 4 standard
	// errors (sqrt(p(1−p)/n) = 5.0·10⁻⁴) of the exact 0.50729723...
	checkShared(t, 23, 365, 20261125, 1_000_000, 4)
}

func TestMonteCarloPoints(t *testing.T) {
	// Exact values (Exact, checked against rationals above) at points where
	// the probability is small, about one half, large, and 0 or 1 exactly;
	// 4 standard errors, fixed seeds. At 0 and 1 the mean must be exact.
	for _, tc := range []struct {
		name         string
		people, days int64
		n            int64
	}{
		{"one person never shares", 1, 365, 100_000},
		{"more people than days always share", 366, 365, 10_000},
		{"one day, two people", 2, 1, 1_000},
		{"10 of 365, p = 0.117", 10, 365, 200_000},
		{"40 of 365, p = 0.891", 40, 365, 200_000},
		{"coin, 2 people, p = 1/2", 2, 2, 200_000},
		{"2 of 100000, p = 1e-5", 2, 100_000, 1_000_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkShared(t, tc.people, tc.days, 7, tc.n, 4)
		})
	}
}

func TestInvalidParams(t *testing.T) {
	// Values outside the ranges of Spec, which simrun rejects, with the
	// line of the file, before New sees them.
	spec := Kernel{}.Spec()
	for _, tc := range []struct {
		name  string
		param string
		v     sim.Value
	}{
		{"no people", "people", sim.IntValue(0)},
		{"too many people", "people", sim.IntValue(1001)},
		{"no days", "days", sim.IntValue(0)},
		{"too many days", "days", sim.IntValue(100_001)},
		{"a float for people", "people", sim.FloatValue(23.5)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := spec.Param(tc.param)
			if !ok {
				t.Fatalf("no parameter %q", tc.param)
			}
			if err := p.Check(tc.v); err == nil {
				t.Errorf("%s = %v accepted, want an error", tc.param, tc.v)
			}
		})
	}
}

func TestNoAllocations(t *testing.T) {
	// Sample allocates nothing: simrun's rule for every kernel.
	s, err := Kernel{}.New(params(t, 23, 365))
	if err != nil {
		t.Fatal(err)
	}
	obs := make([]sim.Acc, 1)
	r := rng.FromSeed(1)
	if a := testing.AllocsPerRun(10, func() { s.Sample(&r, 1000, obs) }); a != 0 {
		t.Errorf("%v allocations per chunk, want 0", a)
	}
}

func TestChunksIndependentOfHistory(t *testing.T) {
	// A chunk's result depends on its stream only, not on the chunks the
	// sampler ran before (the table of days is reused, never cleared): what
	// makes a run the same bytes for any number of workers.
	run := func(s kernels.Sampler, chunk int64) sim.Acc {
		obs := make([]sim.Acc, 1)
		r := sim.ChunkRand(1, "days=365,people=23", chunk)
		s.Sample(&r, 10_000, obs)
		return obs[0]
	}
	used, err := Kernel{}.New(params(t, 23, 365))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Kernel{}.New(params(t, 23, 365))
	if err != nil {
		t.Fatal(err)
	}
	run(used, 0)
	run(used, 1)
	if a, b := run(used, 2), run(fresh, 2); a != b {
		t.Errorf("chunk 2 after chunks 0 and 1: %+v; on a fresh sampler: %+v", a, b)
	}
}

func TestSpecRegisters(t *testing.T) {
	// Register panics on a malformed spec (a reference of an unknown
	// observable, a duplicate name).
	var reg kernels.Registry
	reg.Register(Kernel{})
	if _, ok := reg.Lookup("birthday"); !ok {
		t.Fatal(`registry has no "birthday" after Register`)
	}
}

func TestExperimentFile(t *testing.T) {
	// The module's birthday.toml loads with this kernel (its sweep within
	// the ranges, its plot's reference declared) and stays small.
	var reg kernels.Registry
	reg.Register(Kernel{})
	e, err := sim.Load("../birthday.toml", &reg)
	if err != nil {
		t.Fatal(err)
	}
	chunks, ok := e.NumChunks()
	if !ok {
		t.Fatalf("%s: the number of chunks overflows", e.Name)
	}
	t.Logf("%s: %d points, %d chunks", e.Name, e.NumPoints(), chunks)
	if e.Kernel.Name != "birthday" || e.NumPoints() < 10 {
		t.Errorf("kernel %q with %d points, want birthday with a sweep", e.Kernel.Name, e.NumPoints())
	}
}
