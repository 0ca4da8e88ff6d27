package report

import (
	"math"

	"github.com/simrun/simrun/stats"
)

// Difference pairs one statistic of two runs: the same observable (or
// derived quantity) at the same point, found by the point's parameters.
type Difference struct {
	Key        string // the point's parameters, canonical (sim.Params.Key)
	Observable string
	A, B       stats.Stat
	// Z is the difference of the means in standard errors of the
	// difference, (A.Mean − B.Mean) / √(A.StdErr² + B.StdErr²): about
	// Student's t on DF degrees of freedom when the runs sample the same
	// distribution with independent streams. It is 0 for equal means,
	// ±Inf for different means without any error, and NaN when a standard
	// error is unknown.
	Z float64
	// DF is the Welch–Satterthwaite degrees of freedom of the standard
	// error of the difference, from A.DF and B.DF (stats.WelchDF): few
	// when the errors come from few chunks (batch means), about A.DF +
	// B.DF for equal errors, +Inf when neither error is estimated.
	DF float64
	// P is the probability of a difference at least this large by chance,
	// P(|T| ≥ |Z|) for Student's t on DF degrees of freedom
	// (stats.TailProb; the normal from stats.NormalDF on). NaN with Z.
	P float64
}

// Compare pairs the statistics of a and b by point parameters and
// observable name, in a's order, and returns them with the keys of the
// points that only one of the two has.
func Compare(a, b *Results) (diffs []Difference, onlyA, onlyB []string) {
	inB := make(map[string]*PointResult, len(b.Points))
	for i := range b.Points {
		inB[b.Points[i].Params.Key()] = &b.Points[i]
	}
	seen := make(map[string]bool, len(a.Points))
	for _, pa := range a.Points {
		key := pa.Params.Key()
		seen[key] = true
		pb, ok := inB[key]
		if !ok {
			onlyA = append(onlyA, key)
			continue
		}
		for _, sa := range pa.Stats {
			for _, sb := range pb.Stats {
				if sb.Observable == sa.Observable {
					diffs = append(diffs, difference(key, sa, sb))
				}
			}
		}
	}
	for _, pb := range b.Points {
		if key := pb.Params.Key(); !seen[key] {
			onlyB = append(onlyB, key)
		}
	}
	return diffs, onlyA, onlyB
}

func difference(key string, a, b stats.Stat) Difference {
	d := Difference{Key: key, Observable: a.Observable, A: a, B: b, Z: zScore(a, b), DF: math.NaN(), P: math.NaN()}
	if !math.IsNaN(d.Z) {
		d.DF = stats.WelchDF(a.StdErr, a.DF, b.StdErr, b.DF)
		d.P = stats.TailProb(d.Z, d.DF)
	}
	return d
}

func zScore(a, b stats.Stat) float64 {
	d := a.Mean - b.Mean
	se := math.Sqrt(float64(a.StdErr*a.StdErr) + float64(b.StdErr*b.StdErr))
	switch {
	case math.IsNaN(d) || math.IsNaN(se):
		return math.NaN()
	case d == 0:
		return 0
	}
	return d / se // ±Inf when se is 0
}
