package report

import (
	"errors"
	"fmt"
	"math"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

// A Deviation is one mean of a run set against the exact value its kernel
// declares for it.
type Deviation struct {
	Key        string  // the point's parameters
	Reference  string  // the reference's name
	Observable string  // the observable it is the exact mean of
	Mean       float64 // the run's estimate
	StdErr     float64
	Exact      float64
	// Z is (Mean − Exact) / StdErr: 0 when they are equal, NaN when the
	// standard error is unknown.
	Z float64
	// DF is the degrees of freedom of StdErr that P uses: stats.Stat.DF
	// (chunks − 1 for batch means, samples − 1 for independent samples),
	// or +Inf, the normal, for results that did not record it.
	DF float64
	// P is the probability of a deviation at least this large by chance,
	// P(|T| ≥ |Z|) for Student's t on DF degrees of freedom
	// (stats.TailProb; the normal for many). NaN with Z.
	P float64
}

// ErrNoExact is returned by Check for a kernel that declares no exact
// value of a mean (sim.ReferenceSpec.Exact): there is nothing to check.
var ErrNoExact = errors.New("report: the kernel declares no exact value of a mean")

// Check sets every mean of r that e's kernel declares an exact value for
// against that value, in the order of e's references and r's points. The
// points of r must be points of e, with the same parameters; a reference
// that is NaN at a point is skipped there. The points r lacks (a partial
// run) are not checked, and no deviation at all (no finished point, or
// none where a reference is defined) is not an error: the caller decides
// that nothing checked has not passed.
func Check(e *sim.Experiment, r *Results) ([]Deviation, error) {
	var devs []Deviation
	refs := 0
	for _, ref := range e.Kernel.References {
		if !ref.Exact || (ref.Stat != "" && ref.Stat != "mean") {
			continue
		}
		refs++
		for _, pr := range r.Points {
			if pr.Index < 0 || pr.Index >= e.NumPoints() {
				return nil, fmt.Errorf("report: point %d is not in %s", pr.Index, e.File)
			}
			pt := e.Point(pr.Index) // the experiment's own parameters, with their kinds
			if pt.Key != pr.Params.Key() {
				return nil, fmt.Errorf("report: point %d is %s in the results but %s in %s", pr.Index, pr.Params.Key(), pt.Key, e.File)
			}
			for _, s := range pr.Stats {
				if s.Observable != ref.Of {
					continue
				}
				want := ref.Func(pt.Params)
				if math.IsNaN(want) {
					continue
				}
				z := math.NaN()
				switch d := s.Mean - want; {
				case d == 0:
					z = 0
				case !math.IsNaN(s.StdErr):
					z = d / s.StdErr
				}
				df, p := dfOrMany(s.DF), math.NaN()
				if !math.IsNaN(z) {
					p = stats.TailProb(z, df)
				}
				devs = append(devs, Deviation{pt.Key, ref.Name, ref.Of, s.Mean, s.StdErr, want, z, df, p})
			}
		}
	}
	if refs == 0 {
		return nil, ErrNoExact
	}
	return devs, nil
}

// dfOrMany returns df, or +Inf (the normal) when it is unknown: results
// of a simrun that did not record it, read as 0 or NaN.
func dfOrMany(df float64) float64 {
	if df > 0 {
		return df
	}
	return math.Inf(1)
}
