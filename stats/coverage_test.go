package stats

import (
	"math"
	"testing"

	"github.com/simrun/simrun/sim"
)

// TestSequentialCoverage measures the coverage of the 95% intervals of
// points sampled to a target (ReduceSequential) on a normal observable
// whose mean is known, over 400 replicates, each from its own fixed PCG
// seed: deterministic, so it cannot flake.
//
// The standard error is by batch means over the chunks (seqSpec's x is
// not IID), from 10 to about 80 chunks, so it varies from one replicate
// to the next by 8-24% (about 1/√(2(k−1)) for k chunks) and the stopping
// depends on it: a point stops when its estimated error happens to be
// small. For a fixed number k of chunks
// the interval mean ± t975(k−1)·StdErr of normal chunk means covers the
// mean with probability exactly 0.95 (Student's t); stopping on the data
// lowers that slightly, and the loss vanishes as the target goes to 0
// (Chow and Robbins 1965, Ann. Math. Statist. 36, 457-462; Glynn and
// Whitt 1992, "The asymptotic validity of sequential stopping rules for
// stochastic simulations", Ann. Appl. Probab. 2, 180-198). The bounds
// are a few binomial standard errors of 400 intervals at 0.95,
// √(0.95·0.05/400) = 0.011: 0.90 (4.6 of them below) to 0.985 (3.2
// above).
func TestSequentialCoverage(t *testing.T) {
	const (
		replicates = 400
		chunkSize  = 10
		chunks     = 400
		mean, sd   = 3.0, 1.0
	)
	// A chunk mean's sd is 1/√10 ≈ 0.32: the target 0.04 needs about
	// (0.32/0.04)² ≈ 60 chunks, reached in rounds from 10.
	b := sim.Budget{Samples: chunkSize * chunks, ChunkSize: chunkSize, Chunks: chunks, MinChunks: 10,
		Targets: []sim.Target{{Stat: "x", Index: 0, Abs: 0.04}}}
	var (
		r               Reducer
		covered, rounds int
		used            int64
	)
	for rep := range replicates {
		seed := uint64(1000 + rep)
		st, _, pr, err := r.ReduceSequential(nil, seqSpec, sim.Params{}, b, normalChunks(chunks, chunkSize, mean, sd, seed))
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !pr.Done || !pr.Reached {
			t.Fatalf("seed %d: precision %+v, want the target reached below the maximum", seed, pr)
		}
		if st[0].CILow <= mean && mean <= st[0].CIHigh {
			covered++
		}
		rounds += pr.Rounds
		used += pr.Chunks
	}
	meanRounds := float64(rounds) / replicates
	t.Logf("coverage of the 95%% intervals: %d of %d = %.4f; %.2f rounds and %.1f chunks a replicate on average",
		covered, replicates, float64(covered)/replicates, meanRounds, float64(used)/replicates)
	checkCoverage(t, covered, replicates, 0.90, 0.985)
	if meanRounds <= 2 {
		t.Errorf("%.2f rounds a replicate on average, want more than 2: the test does not exercise sequential stopping", meanRounds)
	}
}

// checkCoverage fails unless covered of n intervals is a fraction in
// [lo, hi]; it gives the binomial standard error √(p(1−p)/n) with it.
func checkCoverage(t *testing.T, covered, n int, lo, hi float64) {
	t.Helper()
	p := float64(covered) / float64(n)
	if se := math.Sqrt(p * (1 - p) / float64(n)); !(p >= lo && p <= hi) {
		t.Errorf("coverage %d of %d = %.4f ± %.4f, want within [%g, %g]", covered, n, p, se, lo, hi)
	}
}
