package stats

import (
	"math"

	"github.com/simrun/simrun/sim"
)

// z975 is the normal distribution's 0.975 quantile.
const z975 = 1.959963984540054

// StdErrMax returns the standard error t allows a mean of mean: Abs +
// Rel·|mean|, an absolute and a relative part combined as numpy.isclose
// combines its tolerances.
func StdErrMax(t sim.Target, mean float64) float64 {
	return t.Abs + float64(t.Rel*math.Abs(mean))
}

// halfWidths returns what Reached compares: the half-width of s's 95%
// interval with the guard 1/N, and the half-width the target allows.
func halfWidths(s Stat, t sim.Target) (half, allowed float64) {
	return float64(t975(s.DF)*s.StdErr) + 1/float64(s.N), float64(z975 * StdErrMax(t, s.Mean))
}

// Reached reports whether s meets t by a fixed-width sequential rule: the
// half-width of the mean's 95% confidence interval, t975(DF)·StdErr, with
// Chow and Robbins's guard 1/N added (Chow and Robbins 1965, "On the
// asymptotic theory of fixed-width sequential confidence intervals for
// the mean", Ann. Math. Statist. 36, 457-462), is at most z·StdErrMax,
// the half-width of the interval of a normal mean whose standard error is
// the target. A target whose parts are both 0 is never reached.
//
// The t quantile makes the rule stricter while the degrees of freedom are
// few (batch means over a handful of chunks: t975(3) = 3.18 against
// 1.96), and the guard keeps a point whose samples all happen to be equal,
// a zero variance, from stopping before 1/N is below the target's
// half-width. A Stat without a standard error (NaN: too few samples or
// chunks) reaches no target.
//
// Reached is the same bits on every machine, as the rest of the package:
// +, ×, ÷ and the tabulated t quantile.
func Reached(s Stat, t sim.Target) bool {
	if !(s.N > 0) {
		return false
	}
	half, allowed := halfWidths(s, t)
	return allowed > 0 && half <= allowed // false for NaN
}
