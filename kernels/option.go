package kernels

import (
	"fmt"
	"math"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
	"github.com/simrun/simrun/sim/rng"
)

// Option prices European call and put options by Monte Carlo under geometric
// Brownian motion: the terminal price is
//
//	S_T = S0·exp((r − σ²/2)T + σ√T·Z),  Z ~ N(0, 1),
//
// and each sample records the discounted payoffs e^{−rT}·max(S_T−K, 0) and
// e^{−rT}·max(K−S_T, 0), whose means are the Black–Scholes prices. With
// antithetic set, a sample is a pair (Z, −Z) and records the average payoff
// of the pair.
//
// Normal variates come from the ziggurat method (stdNormal), one draw per
// variate in about 99% of cases, so a chunk depends only on the generator
// state it starts from, whatever the calls before it.
//
// The logarithm and exponential are fmath.Log and fmath.Exp, not the
// math package's, whose assembly versions differ between architectures (and
// on amd64 between CPUs with and without FMA): the samples are the same bits
// on every machine.
type Option struct{}

// Spec implements Kernel.
func (Option) Spec() sim.KernelSpec {
	pos := &sim.Range{Min: 0, Max: math.Inf(1), MinOpen: true}
	return sim.KernelSpec{
		Name:  "option",
		Doc:   "European call and put under geometric Brownian motion; the means are the Black-Scholes prices.",
		Check: optionCheck,
		Params: []sim.ParamSpec{
			{Name: "S0", Label: "spot price S₀", Kind: sim.Float, Doc: "spot price", Default: sim.FloatValue(100), Range: pos},
			{Name: "K", Label: "strike K", Kind: sim.Float, Doc: "strike", Default: sim.FloatValue(100), Range: pos},
			{Name: "r", Label: "risk-free rate r", Kind: sim.Float, Doc: "risk-free rate (continuously compounded, per unit time)", Default: sim.FloatValue(0.05)},
			{Name: "sigma", Label: "volatility σ", Kind: sim.Float, Doc: "volatility (per square root of unit time)", Default: sim.FloatValue(0.2), Range: pos},
			{Name: "T", Label: "maturity T", Kind: sim.Float, Doc: "maturity", Default: sim.FloatValue(1), Range: pos},
			{Name: "antithetic", Label: "antithetic variates", Kind: sim.Bool, Doc: "each sample averages the payoffs of Z and -Z", Default: sim.BoolValue(false)},
		},
		Observables: []sim.ObservableSpec{
			{Name: "call", Label: "call price", Doc: "discounted call payoff exp(-rT)·max(S_T-K, 0); mean = Black-Scholes call price", IID: true},
			{Name: "put", Label: "put price", Doc: "discounted put payoff exp(-rT)·max(K-S_T, 0); mean = Black-Scholes put price", IID: true},
		},
		References: optionReferences(),
	}
}

// optionCheck rejects an interest rate that overflows the prices.
func optionCheck(p sim.Params) error {
	s0, k, r, t := p.Float("S0"), p.Float("K"), p.Float("r"), p.Float("T")
	disc := fmath.Exp(float64(-r * t))
	if fwd := s0 / disc; disc == 0 || math.IsInf(fwd, 0) || math.IsInf(k*disc, 0) {
		return &sim.ParamError{Param: "r", Msg: fmt.Sprintf("= %g: r·T = %g overflows the forward price S0·exp(rT) or the discounted strike K·exp(−rT)", r, r*t)}
	}
	return nil
}

// New implements Kernel.
func (Option) New(p sim.Params) (Sampler, error) {
	s0, k, r := p.Float("S0"), p.Float("K"), p.Float("r")
	sigma, t := p.Float("sigma"), p.Float("T")
	vol := float64(sigma * math.Sqrt(t))
	if err := optionCheck(p); err != nil {
		return nil, fmt.Errorf("kernels: option: %w", err)
	}
	disc := fmath.Exp(float64(-r * t))
	return &optionSampler{
		m:          float64(s0 * fmath.Exp(float64(r-float64(float64(0.5*sigma)*sigma))*t)),
		k:          k,
		vol:        vol,
		disc:       disc,
		antithetic: p.Bool("antithetic"),
	}, nil
}

type optionSampler struct {
	m, k       float64 // S_T = m·e^{vol·Z}, m = S0·e^{(r − σ²/2)T}
	vol        float64 // σ√T
	disc       float64 // e^{−rT}
	antithetic bool
}

// payoffs returns the discounted call and put payoffs at the terminal
// price st.
func (o *optionSampler) payoffs(st float64) (call, put float64) {
	if st > o.k {
		return float64(o.disc * (st - o.k)), 0
	}
	return 0, float64(o.disc * (o.k - st))
}

func (o *optionSampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	g := *r
	var z float64
	for range n {
		g, z = stdNormal(g)
		e := fmath.Exp(float64(o.vol * z))
		c, p := o.payoffs(float64(o.m * e))
		if o.antithetic {
			// S_T(−Z) = m/e^{vol·Z}: one exponential per pair.
			c2, p2 := o.payoffs(o.m / e)
			c, p = 0.5*(c+c2), 0.5*(p+p2)
		}
		obs[0].Add(c)
		obs[1].Add(p)
	}
	*r = g
}

// The normal ziggurat: 128 layers under e^{−x²/2} (Marsaglia and Tsang's
// constants).
const (
	zigNormR = 3.442619855899
	zigNormV = 9.91256303526217e-3
)

var zigNorm = newZiggurat(128, zigNormR, zigNormV,
	func(x float64) float64 { return fmath.Exp(float64(float64(-0.5*x) * x)) },
	func(y float64) float64 { return math.Sqrt(-2 * fmath.Log(y)) })

// stdNormal returns a standard normal variate drawn from g by the ziggurat
// method, which is exact: in about 99% of calls it costs one draw, a table
// look-up, a multiplication and a comparison. Of a draw, the low 7 bits
// choose the layer, bit 7 the sign and the high 53 bits the abscissa, so
// the three are independent. The tail beyond r uses Marsaglia's method
// (1964).
func stdNormal(g rng.Xoshiro256) (rng.Xoshiro256, float64) {
	z := zigNorm
	var u, v uint64
	for {
		g, u = g.Next()
		i := u & 0x7f
		neg := u&0x80 != 0
		j := u >> 11
		x := float64(float64(j) * z.w[i])
		switch {
		case j < z.k[i]:
		case i == 0:
			for {
				g, u = g.Next()
				g, v = g.Next()
				t := -fmath.Log(1-rng.Unit(u)) / zigNormR
				y := -fmath.Log(1 - rng.Unit(v))
				if y+y >= float64(t*t) {
					x = zigNormR + t
					break
				}
			}
		default:
			g, v = g.Next()
			if !(z.fx[i]+float64(rng.Unit(v)*(z.fx[i-1]-z.fx[i])) < fmath.Exp(float64(float64(-0.5*x)*x))) {
				continue
			}
		}
		if neg {
			x = -x
		}
		return g, x
	}
}
