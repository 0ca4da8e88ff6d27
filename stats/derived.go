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
	st, w, _ := ReducePoint(spec, p, Slice(chunks))
	return st, w
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

// A derivedReduction is the reduction of one derived quantity, fed one
// chunk at a time in chunk order: merge in the first pass, spread in the
// second, then finish. See ReduceAll.
type derivedReduction struct {
	d     sim.DerivedSpec
	p     sim.Params
	nobs  int
	of    []int
	fail  string    // why there is no estimate, if there is none
	all   []sim.Acc // the overall means, merged over the chunks used
	n, k  int64
	mean  float64 // d.Func at the overall means, after the first pass
	means []float64
	est   sim.Acc // the chunk estimates, in the second pass
	sum   float64 // Σ n_c² (est_c − mean)²
}

func newDerived(obs []sim.ObservableSpec, d sim.DerivedSpec, p sim.Params) *derivedReduction {
	r := &derivedReduction{d: d, p: p, nobs: len(obs)}
	of, err := observableIndex(obs, d.Of)
	switch {
	case err != nil:
		r.fail = fmt.Sprintf("%s: %v: no estimate", d.Name, err)
	case len(of) == 0:
		r.fail = fmt.Sprintf("%s: depends on no observable: no estimate", d.Name)
	}
	r.of, r.all, r.means = of, make([]sim.Acc, len(of)), make([]float64, len(of))
	return r
}

// chunkN returns the chunk's sample count for the quantity (the smallest
// of its Of observables'), and 0 for a chunk it does not use: one without
// an accumulator per observable or without samples of every Of one.
func (r *derivedReduction) chunkN(chunk []sim.Acc) int64 {
	if r.fail != "" || len(chunk) != r.nobs {
		return 0
	}
	n := int64(math.MaxInt64)
	for _, o := range r.of {
		n = min(n, chunk[o].N)
	}
	return max(n, 0)
}

func (r *derivedReduction) merge(chunk []sim.Acc) {
	nc := r.chunkN(chunk)
	if nc == 0 {
		return
	}
	for i, o := range r.of {
		r.all[i].Merge(chunk[o])
	}
	r.n += nc
	r.k++
}

// endMerge evaluates the quantity at the overall means, and reports
// whether the second pass is needed.
func (r *derivedReduction) endMerge() bool {
	if r.k == 0 {
		return false
	}
	for i := range r.all {
		r.means[i] = r.all[i].Mean
	}
	r.mean = r.d.Func(r.p, r.means)
	return true
}

func (r *derivedReduction) spread(chunk []sim.Acc) {
	nc := r.chunkN(chunk)
	if nc == 0 || r.k == 0 {
		return
	}
	for i, o := range r.of {
		r.means[i] = chunk[o].Mean
	}
	v := r.d.Func(r.p, r.means)
	r.est.Add(v)
	w := float64(nc) * (v - r.mean)
	r.sum += float64(w * w)
}

func (r *derivedReduction) finish() (Stat, []string) {
	name := r.d.Name
	nan := math.NaN()
	s := Stat{
		Observable: name,
		Mean:       nan, Variance: nan, StdErr: nan, CILow: nan, CIHigh: nan,
		Min: nan, Max: nan, DF: nan,
		Method: MethodBatchMeans,
	}
	if r.fail != "" {
		return s, []string{r.fail}
	}
	s.N, s.Chunks = r.n, r.k
	if r.k == 0 {
		return s, []string{name + ": no samples"}
	}
	s.Mean = r.mean
	s.Variance, s.Min, s.Max = r.est.Variance(), r.est.Min, r.est.Max

	var warnings []string
	if !fmath.IsFinite(s.Mean) || !fmath.IsFinite(s.Min) || !fmath.IsFinite(s.Max) {
		warnings = append(warnings, fmt.Sprintf("%s: non-finite values (estimate %s, chunk estimates from %s to %s)",
			name, sim.FormatFloat(s.Mean), sim.FormatFloat(s.Min), sim.FormatFloat(s.Max)))
	}
	k := r.k
	if k < 2 {
		warnings = append(warnings, fmt.Sprintf("%s: batch means needs at least 2 chunks, have %d: no standard error or confidence interval", name, k))
		return s, warnings
	}
	fn, fk := float64(r.n), float64(k)
	s.StdErr = math.Sqrt(fk / (fk - 1) * r.sum / (fn * fn))
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
