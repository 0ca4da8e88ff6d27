package kernels

import (
	"fmt"
	"math"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
	"github.com/simrun/simrun/sim/rng"
)

// SIR is the stochastic SIR epidemic in a closed, well-mixed population of
// N, simulated exactly (Gillespie's direct method) from I0 infected and
// N − I0 susceptible until no one is infected. Infection happens at rate
// β·S·I/N with β = R0·γ, recovery at rate γ·I.
//
// Each event draws its type (an infection with probability R0·S/(R0·S + N),
// the rates' ratio, in which γ cancels) from one uniform, and its waiting
// time, an exponential, from the ziggurat (stdExp). Only the duration uses
// the waiting times: the final size, the peak and hence the major-outbreak
// indicator depend only on R0, N and I0, and γ sets the time scale.
//
// A major outbreak is one whose final size exceeds half the deterministic
// final size z(R0), the positive root of z = 1 − e^{−R0·z}. As N grows, the
// final sizes of minor outbreaks are O(1) individuals and those of major
// ones concentrate around z·N, so any threshold strictly between separates
// them; z/2 does so with margins of order N on both sides. For R0 ≤ 1 there
// is no positive root and no major outbreak: major is always 0. Close to
// R0 = 1 and at small N the two kinds overlap and the split is a convention.
type SIR struct{}

// maxSIRN bounds the population.
const maxSIRN = 1_000_000_000

// Spec implements Kernel.
func (SIR) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "sir",
		Doc:  "Stochastic SIR epidemic (exact Gillespie simulation) in a closed population: final size, peak, major outbreaks, duration.",
		Params: []sim.ParamSpec{
			{Name: "N", Label: "population N", Kind: sim.Int, Doc: "population size", Range: &sim.Range{Min: 1, Max: maxSIRN}},
			{Name: "R0", Label: "basic reproduction number R₀", Kind: sim.Float, Doc: "basic reproduction number beta/gamma", Range: &sim.Range{Min: 0, Max: 100, MinOpen: true}},
			{Name: "gamma", Label: "recovery rate γ", Kind: sim.Float, Doc: "recovery rate (sets the time scale only)", Default: sim.FloatValue(1), Range: &sim.Range{Min: 0, Max: math.Inf(1), MinOpen: true}},
			{Name: "I0", Label: "initially infected I₀", Kind: sim.Int, Doc: "initially infected (at most N)", Default: sim.IntValue(1), Range: &sim.Range{Min: 1, Max: maxSIRN}},
		},
		Observables: []sim.ObservableSpec{
			{Name: "final", Label: "final size", Doc: "final size: recovered / N at the end, including I0", IID: true},
			{Name: "peak", Label: "peak infected fraction", Doc: "largest number infected at once / N", IID: true},
			{Name: "major", Label: "probability of a major outbreak", Doc: "1 if final > z(R0)/2, z = 1 - exp(-R0 z) the deterministic final size, else 0 (always 0 for R0 <= 1)", IID: true},
			{Name: "duration", Label: "outbreak duration", Doc: "time until the last recovery (recovery rate gamma per unit time)", IID: true},
			{Name: "final_if_major", Label: "final size if major", Doc: "final if the outbreak is major, else 0; <final_if_major>/<major> is the mean final size of major outbreaks", IID: true},
		},
		Derived:    sirDerived(),
		References: sirReferences(),
		Check:      sirCheck,
	}
}

// sirCheck rejects the combinations the parameter ranges cannot.
func sirCheck(p sim.Params) error {
	n, i0 := p.Int("N"), p.Int("I0")
	switch {
	case i0 > n:
		return &sim.ParamError{Param: "I0", Msg: fmt.Sprintf("= %d exceeds the population N = %d", i0, n)}
	case math.IsInf(float64(n)/p.Float("gamma"), 0):
		return &sim.ParamError{Param: "gamma", Msg: fmt.Sprintf("= %g is too small: N/gamma overflows", p.Float("gamma"))}
	}
	return nil
}

// New implements Kernel.
func (SIR) New(p sim.Params) (Sampler, error) {
	if err := sirCheck(p); err != nil {
		return nil, fmt.Errorf("kernels: sir: %w", err)
	}
	n, i0 := p.Int("N"), p.Int("I0")
	r0 := p.Float("R0")
	major := int64(math.MaxInt64) // for R0 ≤ 1: never
	if z := sirFinalSize(r0); z > 0 {
		major = int64(math.Floor(float64(float64(0.5*z) * float64(n)))) // final·N > z·N/2 ⇔ count > ⌊z·N/2⌋
	}
	scale := float64(n) / p.Float("gamma")
	return &sirSampler{
		n:     n,
		i0:    i0,
		r0:    r0,
		scale: scale,
		major: major,
	}, nil
}

// sirFinalSize returns the positive root z of z = 1 − e^{−R0·z}, the final
// size of the deterministic SIR epidemic from a vanishing infected fraction,
// or 0 for R0 ≤ 1. Newton's method from z = 1 converges monotonically
// because f(z) = z − 1 + e^{−R0·z} is convex with f(1) > 0; fmath.Exp
// makes the result the same on every machine.
func sirFinalSize(r0 float64) float64 {
	if r0 <= 1 {
		return 0
	}
	z := 1.0
	for range 200 {
		e := fmath.Exp(float64(-r0 * z))
		next := z - (z-1+e)/(1-float64(r0*e))
		if !(next < z) { // converged: Newton's iterates decrease until rounding stops them
			break
		}
		z = next
	}
	return z
}

type sirSampler struct {
	n, i0 int64
	r0    float64
	scale float64 // N/γ: the waiting time is E·scale/(I·(R0·S + N)), E ~ Exp(1)
	major int64   // a final count above this is a major outbreak
}

func (s *sirSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	var majors int64
	nf := float64(s.n)
	for range n {
		recovered, peak, duration := s.one(r)
		if recovered > s.major {
			majors++
		}
		obs[0].Add(float64(recovered) / nf)
		obs[1].Add(float64(peak) / nf)
		obs[3].Add(duration)
		if recovered > s.major {
			obs[4].Add(float64(recovered) / nf)
		} else {
			obs[4].Add(0)
		}
	}
	obs[2].Merge(sim.Binary(n, majors, 0, 1))
}

// one simulates an epidemic to extinction and returns the number ever
// infected, the peak number infected and the time of the last recovery.
func (s *sirSampler) one(r *rng.Xoshiro256) (recovered, peak int64, t float64) {
	g := *r
	var u uint64
	nf, r0, scale := float64(s.n), s.r0, s.scale
	S, I := s.n-s.i0, s.i0
	peak = I
	for I > 0 {
		a := float64(r0 * float64(S)) // infection rate / (γ·I/N)
		b := a + nf                   // total rate / (γ·I/N)
		var e float64
		g, e = stdExp(g)
		t += float64(e*scale) / float64(float64(I)*b) // products rounded on their own (no FMA)
		g, u = g.Next()
		if float64(rng.Unit(u)*b) < a {
			S--
			I++
			peak = max(peak, I)
		} else {
			I--
		}
	}
	*r = g
	return s.n - S, peak, t
}

// The exponential ziggurat: 256 layers under e^{−x} (Marsaglia and
// Tsang's constants).
const (
	zigExpR = 7.69711747013104972
	zigExpV = 3.949659822581572e-3
)

var zigExp = newZiggurat(256, zigExpR, zigExpV,
	func(x float64) float64 { return fmath.Exp(-x) },
	func(y float64) float64 { return -fmath.Log(y) })

// stdExp returns a standard exponential variate (mean 1) drawn from g by
// the ziggurat method, which is exact: in about 98.9% of calls it costs one
// draw, a table look-up, a multiplication and a comparison. Of a draw, the
// low 8 bits choose the layer and the high 53 bits the abscissa, so they are
// independent. The tail beyond r is r plus a fresh exponential, by
// memorylessness.
func stdExp(g rng.Xoshiro256) (rng.Xoshiro256, float64) {
	z := zigExp
	var u uint64
	for {
		g, u = g.Next()
		i := u & 0xff
		j := u >> 11
		x := float64(float64(j) * z.w[i])
		if j < z.k[i] {
			return g, x
		}
		g, u = g.Next()
		if i == 0 {
			return g, zigExpR - fmath.Log(1-rng.Unit(u))
		}
		if z.fx[i]+float64(rng.Unit(u)*(z.fx[i-1]-z.fx[i])) < fmath.Exp(-x) {
			return g, x
		}
	}
}
