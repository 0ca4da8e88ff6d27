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
	// standard normal when the runs sample the same distribution with
	// independent streams. It is 0 for equal means, ±Inf for different
	// means without any error, and NaN when a standard error is unknown.
	Z float64
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
					diffs = append(diffs, Difference{Key: key, Observable: sa.Observable, A: sa, B: sb, Z: zScore(sa, sb)})
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
