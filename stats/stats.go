package stats

import (
	"fmt"
	"math"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/fmath"
)

// The values of Stat.Method.
const (
	MethodIID        = "iid"
	MethodBatchMeans = "batch-means"
)

// Confidence is the coverage of the confidence interval in Stat: the CI
// uses the 0.975 quantile of Student's t.
const Confidence = 0.95

// fewChunks is the number of chunks below which a batch-means confidence
// interval is flagged as wide: with k chunks Student's t has k−1 degrees of
// freedom, and t_{0.975,8} = 2.306 is 18% wider than the normal 1.960.
const fewChunks = 10

// Stat is the reduction of one observable at one point.
type Stat struct {
	Observable string
	N          int64 // samples
	Chunks     int64 // chunks that contributed at least one sample

	Mean     float64
	Variance float64 // unbiased sample variance of the samples; NaN for N < 2
	StdErr   float64 // standard error of Mean; NaN when it cannot be estimated
	CILow    float64 // 95% confidence interval for the mean, Mean ∓ t·StdErr
	CIHigh   float64
	Min, Max float64

	Method string  // MethodIID or MethodBatchMeans: how StdErr was computed
	DF     float64 // degrees of freedom of the t quantile used for the CI; NaN when there is none
}

// Reduce merges one point's chunk accumulators and returns one Stat per
// observable, in the order of obs, together with warnings for the user.
// chunks[c][o] is the accumulator of observable o in chunk c, and chunks
// must be in chunk-index order: Reduce merges them in slice order, so the
// result is bit-identical whatever order the chunks were computed in.
//
// A chunk that does not hold exactly len(obs) accumulators is ignored, with
// a warning. Reduce does not modify chunks.
func Reduce(obs []sim.ObservableSpec, chunks [][]sim.Acc) ([]Stat, []string) {
	st, w, _ := ReducePoint(sim.KernelSpec{Observables: obs}, sim.Params{}, Slice(chunks))
	return st, w
}

// mergeOne is the first pass of an observable's reduction: it merges a
// chunk's accumulator (in chunk order) and counts the non-empty chunks.
func mergeOne(all *sim.Acc, k *int64, a sim.Acc) {
	if a.N > 0 {
		all.Merge(a)
		*k++
	}
}

// needsSpread reports whether an observable merged into all from k
// chunks needs the second pass, the batch-means sum of the chunks'
// spread around the overall mean.
func needsSpread(spec sim.ObservableSpec, all sim.Acc, k int64) bool {
	return !spec.IID && all.N > 0 && k >= 2
}

// addSpread is the second pass: Σ n_c² (m_c − m)², in chunk order.
func addSpread(sum *float64, all sim.Acc, a sim.Acc) {
	if a.N > 0 {
		w := float64(a.N) * (a.Mean - all.Mean)
		*sum += float64(w * w)
	}
}

// finishOne computes the Stat of one observable from its non-empty chunks
// merged in chunk order (all, k of them) and, for batch means, the sum
// of addSpread over them.
//
// The explicit float64 conversions of products in this file stop the
// compiler from fusing a multiply and an add (which the Go spec allows, and
// which arm64, ppc64 and s390x do), so that each result is rounded the same
// way on every architecture.
func finishOne(spec sim.ObservableSpec, all sim.Acc, k int64, sum float64) (Stat, []string) {
	name := spec.Name
	s := Stat{
		Observable: name,
		N:          all.N,
		Chunks:     k,
		Mean:       all.Mean,
		Variance:   all.Variance(),
		Min:        all.Min,
		Max:        all.Max,
		StdErr:     math.NaN(),
		CILow:      math.NaN(),
		CIHigh:     math.NaN(),
		DF:         math.NaN(),
		Method:     MethodBatchMeans,
	}
	if spec.IID {
		s.Method = MethodIID
	}
	if all.N == 0 {
		s.Mean, s.Min, s.Max = math.NaN(), math.NaN(), math.NaN()
		return s, []string{name + ": no samples"}
	}

	var warnings []string
	if !fmath.IsFinite(s.Mean) || !fmath.IsFinite(s.Min) || !fmath.IsFinite(s.Max) {
		warnings = append(warnings, fmt.Sprintf("%s: non-finite values in the data (mean %s, min %s, max %s)",
			name, sim.FormatFloat(s.Mean), sim.FormatFloat(s.Min), sim.FormatFloat(s.Max)))
	}

	var df float64
	switch {
	case spec.IID && all.N < 2:
		warnings = append(warnings, fmt.Sprintf("%s: 1 sample: no standard error or confidence interval", name))
	case spec.IID:
		s.StdErr = math.Sqrt(s.Variance / float64(all.N))
		df = float64(all.N - 1)
	case k < 2:
		warnings = append(warnings, fmt.Sprintf("%s: batch means needs at least 2 chunks, have %d: no standard error or confidence interval", name, k))
	default:
		// Var(mean) = k/(k−1) · Σ n_c² (m_c − m)² / N², which is s²/k
		// for k chunks of equal size.
		n, fk := float64(all.N), float64(k)
		s.StdErr = math.Sqrt(fk / (fk - 1) * sum / (n * n))
		df = fk - 1
		if k < fewChunks {
			warnings = append(warnings, fmt.Sprintf("%s: only %d chunks: the 95%% confidence interval uses Student's t with %d degrees of freedom and is wide",
				name, k, k-1))
		}
	}
	if df >= 1 && !math.IsNaN(s.StdErr) {
		s.DF = df
		h := float64(t975(df) * s.StdErr)
		s.CILow, s.CIHigh = s.Mean-h, s.Mean+h
	}

	switch {
	case all.N < 2 || !fmath.IsFinite(s.Mean):
	case s.Variance == 0:
		warnings = append(warnings, fmt.Sprintf("%s: all %d samples are equal (zero variance)", name, all.N))
	case s.StdErr == 0:
		warnings = append(warnings, fmt.Sprintf("%s: all %d chunk means are equal (zero standard error)", name, k))
	}
	return s, warnings
}
