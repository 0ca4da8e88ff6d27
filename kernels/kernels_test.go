package kernels

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"
	"testing"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// params binds a kernel's defaults overridden by the given values.
func params(t testing.TB, k Kernel, set map[string]sim.Value) sim.Params {
	t.Helper()
	spec := k.Spec()
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

// run simulates n samples of k at the given parameters with a fixed seed.
func run(t testing.TB, k Kernel, set map[string]sim.Value, seed uint64, n int64) []sim.Acc {
	t.Helper()
	s, err := k.New(params(t, k, set))
	if err != nil {
		t.Fatal(err)
	}
	obs := make([]sim.Acc, len(k.Spec().Observables))
	r := rng.FromSeed(seed)
	s.Sample(&r, n, obs)
	return obs
}

// checkMean fails unless a's mean is within tol standard errors of want,
// the standard error taken from a's own sample variance over n samples.
func checkMean(t *testing.T, name string, a sim.Acc, want, tol float64) {
	t.Helper()
	se := math.Sqrt(a.Variance() / float64(a.N))
	if d := math.Abs(a.Mean - want); !(d <= tol*se) {
		t.Errorf("%s: mean %.6g, want %.6g ± %.2g (%g standard errors of %.3g over %d samples)", name, a.Mean, want, tol*se, tol, se, a.N)
	}
}

func TestPi(t *testing.T) {
	// Exact: the quarter disc has area π/4, so E[4·inside] = π and
	// Var = 16·(π/4)(1−π/4) = π(4−π). Tolerance 4 standard errors, fixed seed.
	const n = 10_000_000
	obs := run(t, Pi{}, nil, 20261125, n)
	if obs[0].N != n {
		t.Fatalf("N = %d, want %d", obs[0].N, n)
	}
	checkMean(t, "pi", obs[0], math.Pi, 4)
	if v, want := obs[0].Variance(), math.Pi*(4-math.Pi); math.Abs(v-want) > 0.01*want {
		t.Errorf("variance %g, want π(4−π) = %g within 1%%", v, want)
	}
	if obs[0].Min != 0 || obs[0].Max != 4 {
		t.Errorf("min/max = %g/%g, want 0/4", obs[0].Min, obs[0].Max)
	}
}

func TestPiPointsPerSample(t *testing.T) {
	// A sample of n points has mean π and standard deviation
	// sqrt(π(4−π)/n) exactly (binomial). 4 standard errors on the mean; the
	// sample sd within 3% (its relative standard error is about 1/sqrt(2·samples) = 0.7%).
	const samples, n = 20_000, 100
	obs := run(t, Pi{}, map[string]sim.Value{"n": sim.IntValue(n)}, 11, samples)
	checkMean(t, "pi", obs[0], math.Pi, 4)
	if sd, want := math.Sqrt(obs[0].Variance()), math.Sqrt(math.Pi*(4-math.Pi)/n); math.Abs(sd-want) > 0.03*want {
		t.Errorf("sd of a 100-point estimate = %g, want sqrt(pi(4-pi)/n) = %g within 3%%", sd, want)
	}
}

func TestPiMatchesReference(t *testing.T) {
	// piHits, with its lanes and branch-free test, must count exactly what
	// the plain description in its doc comment counts: lanes as separate
	// generators, points tested in 128-bit arithmetic.
	for _, n := range []int64{0, 1, 7, piLaneMin - 1, piLaneMin, piLaneMin + 1, 1000, 100_003, 8*piLaneSpan + 5, 8*(2*piLaneSpan+3) + 1} {
		r1, r2 := rng.FromSeed(uint64(n)+9), rng.FromSeed(uint64(n)+9)
		got := piHits(&r1, n)
		var want int64
		tail := n
		if n >= piLaneMin {
			var lanes [8]rng.Xoshiro256
			for l := range lanes {
				lanes[l] = rng.New([4]uint64{r2.Uint64(), r2.Uint64(), r2.Uint64(), r2.Uint64()})
			}
			for l := range lanes {
				for range n / 8 {
					want += piInsideWide(lanes[l].Uint64())
				}
			}
			tail = n % 8
		}
		for range tail {
			want += piInsideWide(r2.Uint64())
		}
		if got != want || r1.State() != r2.State() {
			t.Errorf("n=%d: piHits = %d, reference = %d (generators agree after: %v)", n, got, want, r1.State() == r2.State())
		}
	}
}

// piInsideWide is 1 if (2i+1)² + (2j+1)² < 2⁶⁶ for the halves i, j of u:
// the point ((i+½)/2³², (j+½)/2³²) inside the unit circle, tested in 128 bits.
func piInsideWide(u uint64) int64 {
	x, y := 2*(u>>32)+1, 2*(u&0xffffffff)+1
	xh, xl := bits.Mul64(x, x)
	yh, yl := bits.Mul64(y, y)
	_, c := bits.Add64(xl, yl, 0)
	hi, _ := bits.Add64(xh, yh, c)
	if hi < 4 { // 2⁶⁶ = 4·2⁶⁴
		return 1
	}
	return 0
}

func TestPiOutsideExact(t *testing.T) {
	// Points on either side of the circle, found with math/big's exact
	// square root, and random points: piOutside1 agrees with the 128-bit test.
	r := rng.FromSeed(3)
	check := func(i, j uint64) {
		u := i<<32 | j
		if got, want := piOutside1(u), uint64(1-piInsideWide(u)); got != want {
			t.Fatalf("piOutside1(i=%d, j=%d) = %d, want %d", i, j, got, want)
		}
	}
	for _, i := range []uint64{0, 1, 1 << 31, 3037000499, 1<<32 - 2, 1<<32 - 1} {
		check(i, 0)
		check(i, 1<<32-1)
		check(0, i)
	}
	two66 := new(big.Int).Lsh(big.NewInt(1), 66)
	for range 10_000 {
		i := r.Uint64() >> 32
		// The largest odd y with x² + y² < 2⁶⁶ gives the last j inside.
		x := new(big.Int).SetUint64(2*i + 1)
		rest := new(big.Int).Sub(two66, x.Mul(x, x))
		y := new(big.Int).Sqrt(rest.Sub(rest, big.NewInt(1))).Uint64()
		for _, j := range []uint64{(y-1)/2 - 1, (y - 1) / 2, (y-1)/2 + 1} {
			if j < 1<<32 {
				check(i, j)
			}
		}
		u := r.Uint64()
		check(u>>32, u&0xffffffff)
	}
}

func TestRandomWalk(t *testing.T) {
	// Exact: E|X_T|² = T for the simple random walk in any dimension (the
	// steps are independent with mean 0 and unit squared length), and
	// E[X_1] = 0. In d = 1, Var(X_T²) = E[X_T⁴] − T² = 2T² − 2T.
	// Tolerance 4 standard errors, fixed seed.
	for _, tc := range []struct {
		name     string
		d, steps int64
	}{
		{"d1-T100", 1, 100},
		{"d1-T64", 1, 64},
		{"d1-T7", 1, 7},
		{"d2-T50", 2, 50},
		{"d3-T100", 3, 100},
		{"d16-T33", 16, 33},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const n = 200_000
			obs := run(t, RandomWalk{}, map[string]sim.Value{"d": sim.IntValue(tc.d), "steps": sim.IntValue(tc.steps)}, 7, n)
			checkMean(t, "r2", obs[0], float64(tc.steps), 4)
			checkMean(t, "x1", obs[1], 0, 4)
			if tc.d == 1 {
				T := float64(tc.steps)
				if v, want := obs[0].Variance(), 2*T*T-2*T; math.Abs(v-want) > 0.05*want {
					t.Errorf("Var(r2) = %g, want 2T²−2T = %g within 5%%", v, want)
				}
			}
		})
	}
}

func TestRandomWalkZeroSteps(t *testing.T) {
	obs := run(t, RandomWalk{}, map[string]sim.Value{"steps": sim.IntValue(0)}, 1, 10)
	if obs[0].Mean != 0 || obs[0].Max != 0 {
		t.Fatalf("zero-step walk moved: %+v", obs[0])
	}
}

func TestSpin(t *testing.T) {
	// Exact: the mean of uniforms on [0,1) is 1/2. Tolerance 4 standard errors.
	obs := run(t, Spin{}, map[string]sim.Value{"work": sim.IntValue(3)}, 5, 100_000)
	checkMean(t, "u", obs[0], 0.5, 4)
	obs = run(t, Spin{}, map[string]sim.Value{"work": sim.IntValue(0)}, 5, 10)
	if obs[0].N != 10 || obs[0].Mean != 0.5 {
		t.Fatalf("work=0: %+v, want N=10 mean=0.5", obs[0])
	}
}

func TestNoAllocations(t *testing.T) {
	// Every registered kernel, with its options that change the loop.
	covered := make(map[string]bool)
	for _, tc := range []struct {
		name string
		k    Kernel
		set  map[string]sim.Value
	}{
		{"pi", Pi{}, nil},
		{"pi-n1000", Pi{}, map[string]sim.Value{"n": sim.IntValue(1000)}},
		{"randomwalk-d1", RandomWalk{}, map[string]sim.Value{"steps": sim.IntValue(100)}},
		{"randomwalk-d3", RandomWalk{}, map[string]sim.Value{"d": sim.IntValue(3), "steps": sim.IntValue(100)}},
		{"spin", Spin{}, nil},
		{"ising2d-metropolis", Ising2D{}, map[string]sim.Value{"L": sim.IntValue(16), "T": sim.FloatValue(2.3), "burnin": sim.IntValue(10)}},
		{"ising2d-wolff", Ising2D{}, map[string]sim.Value{"L": sim.IntValue(16), "T": sim.FloatValue(2.3), "burnin": sim.IntValue(10), "algorithm": sim.StringValue("wolff")}},
		{"option", Option{}, nil},
		{"option-antithetic", Option{}, map[string]sim.Value{"antithetic": sim.BoolValue(true)}},
		{"percolation", Percolation{}, map[string]sim.Value{"L": sim.IntValue(16), "p": sim.FloatValue(0.59)}},
		{"sir", SIR{}, map[string]sim.Value{"N": sim.IntValue(200), "R0": sim.FloatValue(2)}},
	} {
		covered[tc.k.Spec().Name] = true
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.k.New(params(t, tc.k, tc.set))
			if err != nil {
				t.Fatal(err)
			}
			obs := make([]sim.Acc, len(tc.k.Spec().Observables))
			r := rng.FromSeed(1)
			if a := testing.AllocsPerRun(10, func() { s.Sample(&r, 1000, obs) }); a != 0 {
				t.Errorf("%v allocations per chunk, want 0", a)
			}
		})
	}
	for _, name := range Builtin().Names() {
		if !covered[name] {
			t.Errorf("kernel %q is registered but not in this test", name)
		}
	}
}

func TestRegistry(t *testing.T) {
	reg := Builtin()
	if got, want := reg.Names(), []string{"ising2d", "option", "percolation", "pi", "randomwalk", "sir", "spin"}; !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	// Each call makes a registry of its own: adding to one leaves the
	// others as they were.
	other := Builtin(Spin2{})
	if _, ok := other.Kernel("spin2"); !ok {
		t.Error("Builtin(extra) lacks the extra kernel")
	}
	if _, ok := reg.Kernel("spin2"); ok {
		t.Error("a kernel given to one Builtin call appears in another registry")
	}
	var c sim.Catalog = reg
	if s, ok := c.Lookup("randomwalk"); !ok || len(s.Params) != 2 {
		t.Fatalf("Lookup(randomwalk) = %+v, %v", s, ok)
	}
	if _, ok := c.Lookup("nope"); ok {
		t.Fatal("Lookup(nope) found a kernel")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("duplicate Register did not panic")
		}
	}()
	reg.Register(Pi{})
}

// Spin2 is the spin kernel under another name, an extra kernel for
// TestRegistry.
type Spin2 struct{ Spin }

func (s Spin2) Spec() sim.KernelSpec {
	spec := s.Spin.Spec()
	spec.Name = "spin2"
	return spec
}

func TestCheckSpec(t *testing.T) {
	obs := []sim.ObservableSpec{{Name: "a"}, {Name: "b"}}
	for _, tc := range []struct {
		name string
		spec sim.KernelSpec
		ok   bool
	}{
		{"valid", sim.KernelSpec{Name: "k", Observables: obs, Derived: []sim.DerivedSpec{{Name: "d", Of: []string{"a", "b"}}}, References: []sim.ReferenceSpec{{Name: "r", Of: "d"}}}, true},
		{"duplicate observable", sim.KernelSpec{Name: "k", Observables: append(obs, sim.ObservableSpec{Name: "a"})}, false},
		{"derived of unknown", sim.KernelSpec{Name: "k", Observables: obs, Derived: []sim.DerivedSpec{{Name: "d", Of: []string{"c"}}}}, false},
		{"derived shadows observable", sim.KernelSpec{Name: "k", Observables: obs, Derived: []sim.DerivedSpec{{Name: "a", Of: []string{"b"}}}}, false},
		{"reference of unknown", sim.KernelSpec{Name: "k", Observables: obs, References: []sim.ReferenceSpec{{Name: "r", Of: "z"}}}, false},
		{"parameter n", sim.KernelSpec{Name: "k", Params: []sim.ParamSpec{{Name: "n", Kind: sim.Int}}, Observables: obs}, true},
		{"parameter named samples", sim.KernelSpec{Name: "k", Params: []sim.ParamSpec{{Name: "samples", Kind: sim.Int}}, Observables: obs}, false},
		{"parameter named point", sim.KernelSpec{Name: "k", Params: []sim.ParamSpec{{Name: "point", Kind: sim.Int}}, Observables: obs}, false},
		{"parameter named mean", sim.KernelSpec{Name: "k", Params: []sim.ParamSpec{{Name: "mean", Kind: sim.Float}}, Observables: obs}, false},
		{"duplicate parameter", sim.KernelSpec{Name: "k", Params: []sim.ParamSpec{{Name: "x", Kind: sim.Int}, {Name: "x", Kind: sim.Float}}, Observables: obs}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkSpec(tc.spec); (err == nil) != tc.ok {
				t.Errorf("checkSpec = %v, want ok = %v", err, tc.ok)
			}
		})
	}
	// Every registered kernel passed it at init; say so explicitly.
	reg := Builtin()
	for _, name := range reg.Names() {
		s, _ := reg.Lookup(name)
		if err := checkSpec(s); err != nil {
			t.Error(err)
		}
	}
}

func TestRegisterReservedParamName(t *testing.T) {
	// A kernel whose parameter has the name of a column of results.csv
	// would give the table two columns of that name: Register panics,
	// naming the kernel, the parameter and the reserved names.
	for _, name := range sim.ReservedParams {
		t.Run(name, func(t *testing.T) {
			defer func() {
				msg, _ := recover().(string)
				want := `kernels: kernel "spin2": parameter "` + name + `" has the name of a column of results.csv (point, observable, samples,`
				if !strings.Contains(msg, want) {
					t.Errorf("Register panicked with %q, want it to contain %q", msg, want)
				}
			}()
			new(Registry).Register(renamedParam{name})
		})
	}
}

// renamedParam is the spin kernel with its parameter renamed, for
// TestRegisterReservedParamName.
type renamedParam struct{ name string }

func (k renamedParam) Spec() sim.KernelSpec {
	spec := Spin{}.Spec()
	spec.Name = "spin2"
	spec.Params = slices.Clone(spec.Params)
	spec.Params[0].Name = k.name
	return spec
}

func (renamedParam) New(p sim.Params) (Sampler, error) { return nil, errors.New("not for running") }

func TestReservedNamesAreCSVColumns(t *testing.T) {
	// The names Register reserves are the columns report.WriteCSV writes
	// besides the parameters, read from its header: neither list can gain
	// a column without the other.
	var b bytes.Buffer
	if err := report.WriteCSV(&b, &report.Results{}); err != nil {
		t.Fatal(err)
	}
	header, err := csv.NewReader(&b).Read()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(header, sim.ReservedParams) {
		t.Errorf("WriteCSV's columns are %q, Register reserves %q", header, sim.ReservedParams)
	}
}

// BenchmarkPi reports the pi kernel's cost: one op is one sample.
func BenchmarkPi(b *testing.B) {
	s, _ := Pi{}.New(params(b, Pi{}, nil))
	obs := make([]sim.Acc, 1)
	r := rng.FromSeed(1)
	b.ResetTimer()
	s.Sample(&r, int64(b.N), obs)
}

// BenchmarkRandomWalk reports ns per step: one op is one step of a 1000-step walk.
func BenchmarkRandomWalk(b *testing.B) {
	for _, d := range []int64{1, 3} {
		b.Run("d="+string(rune('0'+d)), func(b *testing.B) {
			s, _ := RandomWalk{}.New(params(b, RandomWalk{}, map[string]sim.Value{"d": sim.IntValue(d), "steps": sim.IntValue(1000)}))
			obs := make([]sim.Acc, 2)
			r := rng.FromSeed(1)
			b.ResetTimer()
			s.Sample(&r, int64(b.N/1000+1), obs)
		})
	}
}

func TestCheckAgreesWithNew(t *testing.T) {
	// What Spec.Check rejects before a run, New rejects too, blaming the
	// same parameter; what it accepts, New accepts.
	for _, tc := range []struct {
		name  string
		k     Kernel
		set   map[string]sim.Value
		blame string // "" for a valid point
	}{
		{"ising2d even L", Ising2D{}, map[string]sim.Value{"L": sim.IntValue(8), "T": sim.FloatValue(2)}, ""},
		{"ising2d odd L", Ising2D{}, map[string]sim.Value{"L": sim.IntValue(9), "T": sim.FloatValue(2)}, "L"},
		{"ising2d wolff in a field", Ising2D{}, map[string]sim.Value{"L": sim.IntValue(8), "T": sim.FloatValue(2), "algorithm": sim.StringValue("wolff"), "h": sim.FloatValue(0.1)}, "h"},
		{"ising2d metropolis in a field", Ising2D{}, map[string]sim.Value{"L": sim.IntValue(8), "T": sim.FloatValue(2), "h": sim.FloatValue(0.1)}, ""},
		{"sir I0 = N", SIR{}, map[string]sim.Value{"N": sim.IntValue(10), "R0": sim.FloatValue(2), "I0": sim.IntValue(10)}, ""},
		{"sir I0 > N", SIR{}, map[string]sim.Value{"N": sim.IntValue(10), "R0": sim.FloatValue(2), "I0": sim.IntValue(11)}, "I0"},
		{"sir tiny gamma", SIR{}, map[string]sim.Value{"N": sim.IntValue(10), "R0": sim.FloatValue(2), "gamma": sim.FloatValue(1e-308)}, "gamma"},
		{"option defaults", Option{}, nil, ""},
		{"option overflowing rate", Option{}, map[string]sim.Value{"r": sim.FloatValue(1000)}, "r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := params(t, tc.k, tc.set)
			checkErr := tc.k.Spec().Check(p)
			_, newErr := tc.k.New(p)
			if tc.blame == "" {
				if checkErr != nil || newErr != nil {
					t.Fatalf("Check: %v, New: %v; want both nil", checkErr, newErr)
				}
				return
			}
			var pe *sim.ParamError
			if !errors.As(checkErr, &pe) || pe.Param != tc.blame {
				t.Errorf("Check: %v, want a *sim.ParamError blaming %s", checkErr, tc.blame)
			}
			if newErr == nil || !errors.As(newErr, &pe) || pe.Param != tc.blame {
				t.Errorf("New: %v, want an error blaming %s", newErr, tc.blame)
			}
		})
	}
}

// TestLabels: every built-in kernel names what it declares readably in
// figures: each parameter, observable, derived quantity and reference
// has a label (a legend entry or axis is never an identifier), none with
// an underscore, and a numeric parameter's symbol, as a series label
// calls it ("σ = 0.2"), is its name or the symbol of its docs.
func TestLabels(t *testing.T) {
	symbols := map[string]string{ // the symbols that are not the names
		"option.S0": "S₀", "option.sigma": "σ", "sir.R0": "R₀", "sir.gamma": "γ", "sir.I0": "I₀", "randomwalk.steps": "T",
	}
	reg := Builtin()
	for _, name := range reg.Names() {
		spec, _ := reg.Lookup(name)
		var labels []string
		for _, p := range spec.Params {
			labels = append(labels, p.Label)
			want := symbols[name+"."+p.Name]
			if want == "" {
				want = p.Name
			}
			if got := spec.ParamSymbol(p.Name); (p.Kind == sim.Int || p.Kind == sim.Float) && got != want {
				t.Errorf("%s: parameter %s (%q) has the symbol %q, want %q", name, p.Name, p.Label, got, want)
			}
		}
		for _, o := range spec.Observables {
			labels = append(labels, o.Label)
		}
		for _, d := range spec.Derived {
			labels = append(labels, d.Label)
		}
		for _, r := range spec.References {
			if r.Label == "" {
				t.Errorf("%s: reference %s has no label", name, r.Name)
			}
			labels = append(labels, r.Label)
		}
		for _, l := range labels {
			if l == "" {
				t.Errorf("%s: a parameter, observable or derived quantity has no label: %q", name, labels)
			}
			if strings.Contains(l, "_") {
				t.Errorf("%s: label %q looks like an identifier", name, l)
			}
		}
	}
}
