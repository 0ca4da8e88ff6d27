package kernels

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/sim"
)

// Exact and published values the kernels are compared with, as
// sim.ReferenceSpec functions for figures, and the quantities derived from
// observable means. The tests check the kernels against the same functions.

// isingTc is the critical temperature of the square-lattice Ising model in
// units of J: 2/ln(1+√2) (Onsager 1944; Kramers and Wannier 1941).
var isingTc = 2 / math.Log(1+math.Sqrt2)

// onsagerM is the spontaneous magnetisation per spin of the infinite square
// lattice at h = 0 (Onsager 1949, proved by Yang 1952): (1 − sinh(2J/T)^−4)^{1/8}
// below T_c and 0 above. NaN for J ≤ 0 or h ≠ 0, where it does not apply.
func onsagerM(p sim.Params) float64 {
	J, T := p.Float("J"), p.Float("T")
	if J <= 0 || p.Float("h") != 0 {
		return math.NaN()
	}
	s := math.Sinh(2 * J / T)
	if s <= 1 {
		return 0
	}
	return math.Pow(1-math.Pow(s, -4), 0.125)
}

// onsagerE is the energy per spin of the infinite square lattice at h = 0
// (Onsager 1944): u = −J coth 2K [1 + (2/π)(2 tanh² 2K − 1) K₁(κ)], with
// K = J/T, κ = 2 sinh 2K / cosh² 2K and K₁ the complete elliptic integral of
// the first kind (gonum's mathext.CompleteK takes the parameter m = κ²).
func onsagerE(p sim.Params) float64 {
	J, T := p.Float("J"), p.Float("T")
	if J <= 0 || p.Float("h") != 0 {
		return math.NaN()
	}
	K := J / T
	k2 := 2 * K
	kappa := 2 * math.Sinh(k2) / (math.Cosh(k2) * math.Cosh(k2))
	th := math.Tanh(k2)
	return -J / math.Tanh(k2) * (1 + 2/math.Pi*(2*th*th-1)*mathext.CompleteK(kappa*kappa))
}

// onsagerC is the specific heat per spin of the infinite square lattice at
// h = 0 (Onsager 1944; the form of Hjorth-Jensen, Computational Physics
// lecture notes, eq. 13.1): c = (4/π)(K coth 2K)² {K₁ − E₁ − (1 − tanh² 2K)
// [π/2 + (2 tanh² 2K − 1)K₁]}, with E₁ the complete elliptic integral of
// the second kind. It diverges logarithmically at T_c. The tests check it
// against the temperature derivative of onsagerE.
func onsagerC(p sim.Params) float64 {
	J, T := p.Float("J"), p.Float("T")
	if J <= 0 || p.Float("h") != 0 {
		return math.NaN()
	}
	K := J / T
	k2 := 2 * K
	kappa := 2 * math.Sinh(k2) / (math.Cosh(k2) * math.Cosh(k2))
	m := kappa * kappa
	if m >= 1 {
		return math.NaN() // at T_c
	}
	th := math.Tanh(k2)
	K1, E1 := mathext.CompleteK(m), mathext.CompleteE(m)
	a := K / math.Tanh(k2)
	return 4 / math.Pi * a * a * (K1 - E1 - (1-th*th)*(math.Pi/2+(2*th*th-1)*K1))
}

func isingDerived() []sim.DerivedSpec {
	return []sim.DerivedSpec{
		{Name: "c", Label: "specific heat per spin c", Doc: "specific heat per spin N(<e2>-<e>^2)/T^2", Of: []string{"e", "e2"},
			Func: func(p sim.Params, m []float64) float64 {
				L, T := float64(p.Int("L")), p.Float("T")
				return L * L * (m[1] - float64(m[0]*m[0])) / (T * T) // no fused multiply-add
			}},
		{Name: "chi", Label: "susceptibility per spin χ", Doc: "susceptibility per spin N(<m2>-<m>^2)/T", Of: []string{"m", "m2"},
			Func: func(p sim.Params, m []float64) float64 {
				L, T := float64(p.Int("L")), p.Float("T")
				return L * L * (m[1] - float64(m[0]*m[0])) / T
			}},
		{Name: "binder", Label: "Binder cumulant U₄", Doc: "Binder cumulant 1 - <m4>/(3<m2>^2)", Of: []string{"m2", "m4"},
			Func: func(p sim.Params, m []float64) float64 { return 1 - m[1]/(3*m[0]*m[0]) }},
	}
}

func isingReferences() []sim.ReferenceSpec {
	return []sim.ReferenceSpec{
		{Name: "onsager_m", Label: "Onsager (exact)", Of: "m", Func: onsagerM, Doc: "spontaneous magnetisation of the infinite lattice, (1-sinh(2J/T)^-4)^(1/8) below Tc (Onsager 1949, Yang 1952)"},
		{Name: "onsager_e", Label: "Onsager (exact)", Of: "e", Func: onsagerE, Doc: "energy per spin of the infinite lattice (Onsager 1944)"},
		{Name: "onsager_c", Label: "Onsager (exact)", Of: "c", Func: onsagerC, Doc: "specific heat per spin of the infinite lattice (Onsager 1944, as in Hjorth-Jensen, Computational Physics, eq. 13.1)"},
	}
}

// blackScholes returns the Black–Scholes prices of a European call and put
// (Black and Scholes 1973; Merton 1973).
func blackScholes(s0, k, r, sigma, t float64) (call, put float64) {
	sq := sigma * math.Sqrt(t)
	d1 := (math.Log(s0/k) + (r+sigma*sigma/2)*t) / sq
	d2 := d1 - sq
	n := distuv.UnitNormal
	disc := math.Exp(-r * t)
	return s0*n.CDF(d1) - k*disc*n.CDF(d2), k*disc*n.CDF(-d2) - s0*n.CDF(-d1)
}

func optionReferences() []sim.ReferenceSpec {
	args := func(p sim.Params) (float64, float64, float64, float64, float64) {
		return p.Float("S0"), p.Float("K"), p.Float("r"), p.Float("sigma"), p.Float("T")
	}
	return []sim.ReferenceSpec{
		{Name: "black_scholes_call", Label: "Black–Scholes", Of: "call", Doc: "Black-Scholes price of the call (Black & Scholes 1973)", Exact: true,
			Func: func(p sim.Params) float64 { c, _ := blackScholes(args(p)); return c }},
		{Name: "black_scholes_put", Label: "Black–Scholes", Of: "put", Doc: "Black-Scholes price of the put (Black & Scholes 1973)", Exact: true,
			Func: func(p sim.Params) float64 { _, q := blackScholes(args(p)); return q }},
	}
}

func sirDerived() []sim.DerivedSpec {
	return []sim.DerivedSpec{
		{Name: "final_major", Label: "final size of major outbreaks", Doc: "mean final size of major outbreaks, <final_if_major>/<major>", Of: []string{"final_if_major", "major"},
			Func: func(p sim.Params, m []float64) float64 { return m[0] / m[1] }},
	}
}

func sirReferences() []sim.ReferenceSpec {
	return []sim.ReferenceSpec{
		{Name: "final_size", Label: "final-size equation (N → ∞)", Of: "final_major", Doc: "root z of the final-size equation z = 1 - exp(-R0 z) (Kermack & McKendrick 1927), the large-N limit for major outbreaks",
			Func: func(p sim.Params) float64 { return sirFinalSize(p.Float("R0")) }},
		{Name: "major_probability", Label: "branching process (N → ∞)", Of: "major", Doc: "probability of a major outbreak, 1 - R0^-I0 for R0 > 1 (branching-process approximation, large N)",
			Func: func(p sim.Params) float64 {
				r0 := p.Float("R0")
				if r0 <= 1 {
					return 0
				}
				return 1 - math.Pow(r0, -float64(p.Int("I0")))
			}},
	}
}
