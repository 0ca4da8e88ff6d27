package stats

import (
	"fmt"
	"math"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
)

// ReduceAll is Reduce followed by the kernel's derived quantities: it
// returns the Stats of Reduce(spec.Observables, chunks), then one Stat per
// spec.Derived, in declaration order, named after the derived quantity.
//
// A derived quantity's Mean is its Func at p and the overall means of its Of
// observables. Each chunk in which every Of observable has samples is an
// independent replica, so Func at that chunk's own means is one estimate;
// over those k chunks, StdErr is computed by batch means exactly as Reduce
// does for an observable that is not IID (weighted by the chunks' sample
// counts, around Mean, NaN with a warning for k < 2), Variance is the
// unbiased variance of the chunk estimates, Min and Max are their extremes,
// N is the total sample count, Chunks is k, DF is k−1 and the CI uses
// Student's t. A chunk's sample count is the smallest count of its Of
// observables (they are normally equal).
//
// Like Reduce, ReduceAll works in chunk order only, so it is bit-identical
// for any execution order. An Of name that is not an observable makes the
// Stat NaN with a warning.
func ReduceAll(spec sim.KernelSpec, p sim.Params, chunks [][]sim.Acc) ([]Stat, []string) {
	stats, warnings := Reduce(spec.Observables, chunks)
	for _, d := range spec.Derived {
		s, w := reduceDerived(spec.Observables, d, p, chunks)
		stats = append(stats, s)
		warnings = append(warnings, w...)
	}
	return stats, warnings
}

// DerivedChunks returns the estimates of the derived quantity d from each
// chunk on its own, in chunk order: d.Func at p and the chunk's means of
// d.Of, for every chunk that holds one accumulator per observable of obs and
// samples of every d.Of observable. These are the replicas whose spread gives
// ReduceAll's standard error of d. chunks[c][o] is the accumulator of
// observable o in chunk c, as for Reduce.
//
// DerivedChunks returns an error if d.Of names something that is not in obs.
func DerivedChunks(obs []sim.ObservableSpec, d sim.DerivedSpec, p sim.Params, chunks [][]sim.Acc) ([]float64, error) {
	of, err := observableIndex(obs, d.Of)
	if err != nil {
		return nil, fmt.Errorf("stats: derived quantity %s: %w", d.Name, err)
	}
	var est []float64
	derivedChunks(len(obs), of, chunks, func(_ int, _ int64, means []float64) {
		est = append(est, d.Func(p, means))
	})
	return est, nil
}

// observableIndex returns the index of each name in obs, or an error naming
// the first unknown one.
func observableIndex(obs []sim.ObservableSpec, names []string) ([]int, error) {
	idx := make([]int, len(names))
	for i, name := range names {
		idx[i] = -1
		for o, spec := range obs {
			if spec.Name == name {
				idx[i] = o
				break
			}
		}
		if idx[i] < 0 {
			return nil, fmt.Errorf("%q is not an observable", name)
		}
	}
	return idx, nil
}

// derivedChunks calls f for every chunk, in order, that holds one
// accumulator per observable and samples of every observable in of, with
// the chunk's sample count (the smallest of the of observables') and means.
// means is reused between calls.
func derivedChunks(nobs int, of []int, chunks [][]sim.Acc, f func(c int, n int64, means []float64)) {
	means := make([]float64, len(of))
	for c, chunk := range chunks {
		if len(chunk) != nobs {
			continue
		}
		n := int64(math.MaxInt64)
		for i, o := range of {
			n = min(n, chunk[o].N)
			means[i] = chunk[o].Mean
		}
		if n <= 0 {
			continue
		}
		f(c, n, means)
	}
}

// reduceDerived computes the Stat of one derived quantity. See ReduceAll.
func reduceDerived(obs []sim.ObservableSpec, d sim.DerivedSpec, p sim.Params, chunks [][]sim.Acc) (Stat, []string) {
	name := d.Name
	nan := math.NaN()
	s := Stat{
		Observable: name,
		Mean:       nan, Variance: nan, StdErr: nan, CILow: nan, CIHigh: nan,
		Min: nan, Max: nan, DF: nan,
		Method: MethodBatchMeans,
	}
	of, err := observableIndex(obs, d.Of)
	if err != nil {
		return s, []string{fmt.Sprintf("%s: %v: no estimate", name, err)}
	}
	if len(of) == 0 {
		return s, []string{fmt.Sprintf("%s: depends on no observable: no estimate", name)}
	}

	// The overall means, merged in chunk order over the chunks used.
	all := make([]sim.Acc, len(of))
	var n, k int64
	derivedChunks(len(obs), of, chunks, func(c int, nc int64, _ []float64) {
		for i, o := range of {
			all[i].Merge(chunks[c][o])
		}
		n += nc
		k++
	})
	s.N, s.Chunks = n, k
	if k == 0 {
		return s, []string{name + ": no samples"}
	}
	means := make([]float64, len(of))
	for i := range all {
		means[i] = all[i].Mean
	}
	s.Mean = d.Func(p, means)

	// The chunk estimates: their spread gives the standard error.
	var est sim.Acc
	var sum float64
	derivedChunks(len(obs), of, chunks, func(c int, nc int64, m []float64) {
		v := d.Func(p, m)
		est.Add(v)
		w := float64(nc) * (v - s.Mean)
		sum += float64(w * w)
	})
	s.Variance, s.Min, s.Max = est.Variance(), est.Min, est.Max

	var warnings []string
	if !fmath.IsFinite(s.Mean) || !fmath.IsFinite(s.Min) || !fmath.IsFinite(s.Max) {
		warnings = append(warnings, fmt.Sprintf("%s: non-finite values (estimate %s, chunk estimates from %s to %s)",
			name, sim.FormatFloat(s.Mean), sim.FormatFloat(s.Min), sim.FormatFloat(s.Max)))
	}
	if k < 2 {
		warnings = append(warnings, fmt.Sprintf("%s: batch means needs at least 2 chunks, have %d: no standard error or confidence interval", name, k))
		return s, warnings
	}
	fn, fk := float64(n), float64(k)
	s.StdErr = math.Sqrt(fk / (fk - 1) * sum / (fn * fn))
	if k < fewChunks {
		warnings = append(warnings, fmt.Sprintf("%s: only %d chunks: the 95%% confidence interval uses Student's t with %d degrees of freedom and is wide",
			name, k, k-1))
	}
	if !math.IsNaN(s.StdErr) {
		s.DF = fk - 1
		h := float64(t975(s.DF) * s.StdErr)
		s.CILow, s.CIHigh = s.Mean-h, s.Mean+h
	}
	if s.StdErr == 0 && fmath.IsFinite(s.Mean) {
		warnings = append(warnings, fmt.Sprintf("%s: all %d chunk estimates are equal (zero standard error)", name, k))
	}
	return s, warnings
}
