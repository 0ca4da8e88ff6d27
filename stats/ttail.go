package stats

import "math"

// NormalDF is the number of degrees of freedom from which TailProb uses
// the normal distribution instead of Student's t: at 10⁵ degrees of
// freedom the two tails beyond 5 differ by 0.2% (relative), beyond 3 by
// 0.03%, and the normal is exact in the limit.
const NormalDF = 1e5

// TailProb returns the probability that |T| ≥ |x| for T with Student's t
// distribution on df degrees of freedom: how often chance alone gives a
// difference of at least x standard errors when the standard error is
// estimated with df degrees of freedom. df need not be an integer (see
// WelchDF); for df ≥ NormalDF, +Inf included, it is the normal tail
// erfc(|x|/√2). TailProb is 1 at x = 0, 0 at x = ±Inf, and NaN when x is
// NaN or df is not positive.
//
// It is P(|T| ≥ x) = I_{ν/(ν+x²)}(ν/2, 1/2), the regularized incomplete
// beta function (Abramowitz and Stegun 26.7.1 and 26.5.27), evaluated by
// its continued fraction (A&S 26.5.8) with Lentz's method, to 10⁻¹¹
// relative or better (10⁻¹² below 10⁴ degrees of freedom). Unlike the t
// quantile of the confidence intervals it goes through math.Exp, math.Log and math.Lgamma, so its last bits may differ
// between CPUs: it is for what compare and check tell the user, never for
// the results files.
func TailProb(x, df float64) float64 {
	x = math.Abs(x)
	switch {
	case math.IsNaN(x) || !(df > 0):
		return math.NaN()
	case x == 0:
		return 1
	case math.IsInf(x, 1):
		return 0
	case df >= NormalDF:
		return math.Erfc(x / math.Sqrt2)
	}
	// With u = x²/ν, the incomplete beta's argument is 1/(1+u) and its
	// complement u/(1+u), and their logarithms are computed without
	// cancellation; u overflows for x beyond 10¹⁵⁰ or so.
	//
	// As in the rest of the package, each product is rounded on its own
	// (float64(…)), never fused with an addition (cli's
	// TestNoFusedMultiplyAdd checks all of stats), although nothing here
	// is written to the results files.
	u := float64(x*x) / df
	a, b := float64(df/2), 0.5
	lx := -math.Log1p(u) // log(ν/(ν+x²))
	if math.IsInf(u, 1) {
		lx = math.Log(df) - float64(2*math.Log(x))
	}
	l1x := -math.Log1p(1 / u) // log(x²/(ν+x²))
	front := math.Exp(float64(a*lx) + float64(b*l1x) - logBetaHalf(a))
	// The continued fraction converges fast for z below (a+1)/(a+b+2)
	// (Numerical Recipes, betai); above, I_z(a, b) = 1 − I_{1−z}(b, a).
	if z := 1 / (1 + u); z < (a+1)/(a+b+2) {
		return float64(front*betaFraction(a, b, z)) / a
	}
	return 1 - float64(float64(front*betaFraction(b, a, u/(1+u)))/b)
}

// WelchDF returns the Welch–Satterthwaite degrees of freedom of the
// standard error √(seA² + seB²) of a difference of two independent means
// whose standard errors seA and seB have dfA and dfB degrees of freedom:
//
//	ν = (seA² + seB²)² / (seA⁴/dfA + seB⁴/dfB)
//
// A mean with a zero standard error contributes nothing, and so does one
// whose degrees of freedom are unknown (not positive, or NaN: results of
// a simrun that did not record them), which counts as known exactly. The
// result is +Inf when nothing contributes, and NaN when a standard error
// is NaN.
func WelchDF(seA, dfA, seB, dfB float64) float64 {
	va, vb := float64(seA*seA), float64(seB*seB)
	if math.IsNaN(va) || math.IsNaN(vb) {
		return math.NaN()
	}
	var den float64
	for _, t := range [2][2]float64{{va, dfA}, {vb, dfB}} {
		if v, df := t[0], t[1]; v > 0 && df > 0 {
			den += float64(v*v) / df
		}
	}
	if den == 0 {
		return math.Inf(1)
	}
	s := va + vb
	return float64(s*s) / den
}

// betaFraction evaluates the continued fraction of the incomplete beta
// function I_z(a, b) (A&S 26.5.8) by the modified Lentz method, as in
// Numerical Recipes' betacf: I_z(a, b) = z^a (1−z)^b / (a B(a, b)) times
// the result.
func betaFraction(a, b, z float64) float64 {
	const (
		eps     = 1e-15
		tiny    = 1e-300
		maxIter = 10000 // about √max(a, b) are needed: a ≤ NormalDF/2
	)
	guard := func(v float64) float64 {
		if math.Abs(v) < tiny {
			return tiny
		}
		return v
	}
	c, d := 1.0, 1/guard(1-float64(float64((a+b)*z)/(a+1)))
	h := d
	for m := 1.0; m <= maxIter; m++ {
		m2 := float64(2 * m)
		// The even step, then the odd one.
		aa := float64(float64(m*(b-m))*z) / float64((a+m2-1)*(a+m2))
		d = 1 / guard(1+float64(aa*d))
		c = guard(1 + aa/c)
		h *= float64(d * c)
		aa = float64(float64(-(a+m)*(a+b+m))*z) / float64((a+m2)*(a+m2+1))
		d = 1 / guard(1+float64(aa*d))
		c = guard(1 + aa/c)
		del := float64(d * c)
		h *= del
		if math.Abs(del-1) < eps {
			break
		}
	}
	return h
}

// logBetaHalf returns log B(a, 1/2) = log Γ(a) + log Γ(1/2) − log Γ(a+1/2).
// For large a the difference of the two log-gammas, about (1/2)·log a, is
// the small difference of large numbers (log Γ(5·10⁴) ≈ 5·10⁵), which
// would lose ten digits; it comes instead from Stirling's series of each,
// whose leading terms cancel exactly:
//
//	log Γ(a+½) − log Γ(a) = ½ log a + a·log1p(1/(2a)) − ½ + S(a+½) − S(a)
//
// with S(z) = 1/(12z) − 1/(360z³) + 1/(1260z⁵) − 1/(1680z⁷) (A&S 6.1.41),
// whose truncation error is below 10⁻¹⁶ for a ≥ 20.
func logBetaHalf(a float64) float64 {
	const logSqrtPi = 0.5723649429247001 // log Γ(1/2) = ½ log π
	if a < 20 {
		la, _ := math.Lgamma(a)
		lah, _ := math.Lgamma(a + 0.5)
		return la + logSqrtPi - lah
	}
	s := func(z float64) float64 {
		r := 1 / float64(z*z)
		return (1.0/12 - float64(r*(1.0/360-float64(r*(1.0/1260-r/1680))))) / z
	}
	d := float64(0.5*math.Log(a)) + (float64(a*math.Log1p(0.5/a)) - 0.5) + (s(a+0.5) - s(a))
	return logSqrtPi - d
}
