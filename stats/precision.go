package stats

import "math"

// A Target is the precision an observable is to be sampled to: a standard
// error of its mean of at most Abs + Rel·|mean|, an absolute and a
// relative part combined as numpy.isclose combines its tolerances. Either
// may be 0; a Target whose parts are both 0 is never reached.
type Target struct {
	Abs, Rel float64
}

// z975 is the normal distribution's 0.975 quantile.
const z975 = 1.959963984540054

// Reached reports whether s meets t by a fixed-width sequential rule: the
// half-width of the mean's 95% confidence interval, t975(DF)·StdErr, with
// Chow and Robbins's guard 1/N added (Chow and Robbins 1965, "On the
// asymptotic theory of fixed-width sequential confidence intervals for
// the mean", Ann. Math. Statist. 36, 457-462), is at most z·(Abs +
// Rel·|Mean|), the half-width of the interval of a normal mean whose
// standard error is the target.
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
func Reached(s Stat, t Target) bool {
	allowed := t.Abs + float64(t.Rel*math.Abs(s.Mean))
	if !(allowed > 0) || !(s.N > 0) {
		return false
	}
	q := t975(s.DF)
	half := float64(q*s.StdErr) + 1/float64(s.N)
	return half <= float64(z975*allowed) // false for NaN
}
