package stats_test

import (
	"fmt"
	"math"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

func ExampleReduce() {
	obs := []sim.ObservableSpec{
		{Name: "hit", IID: true}, // independent samples: StdErr from all of them
		{Name: "energy"},         // correlated within a chunk: batch means
	}
	// Three chunks, in chunk-index order; each holds one accumulator per
	// observable.
	samples := [][2][]float64{
		{{1, 0, 1, 1}, {-1.0, -1.5}},
		{{0, 1, 1, 0}, {-2.0, -2.5}},
		{{1, 1, 1, 0}, {-1.5, -1.0}},
	}
	chunks := make([][]sim.Acc, len(samples))
	for c, s := range samples {
		chunks[c] = make([]sim.Acc, len(obs))
		for o := range obs {
			for _, x := range s[o] {
				chunks[c][o].Add(x)
			}
		}
	}

	reduced, warnings := stats.Reduce(obs, chunks)
	for _, s := range reduced {
		fmt.Printf("%s: n=%d mean=%.4f stderr=%.4f (%s, df=%g) 95%% CI [%.3f, %.3f]\n",
			s.Observable, s.N, s.Mean, s.StdErr, s.Method, s.DF, s.CILow, s.CIHigh)
	}
	for _, w := range warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// hit: n=12 mean=0.6667 stderr=0.1421 (iid, df=11) 95% CI [0.354, 0.980]
	// energy: n=6 mean=-1.5833 stderr=0.3333 (batch-means, df=2) 95% CI [-3.018, -0.149]
	// warning: energy: only 3 chunks: the 95% confidence interval uses Student's t with 2 degrees of freedom and is wide
}

func ExampleReduceAll() {
	// A kernel with the observables e and e2 and the derived variance
	// ⟨e2⟩ − ⟨e⟩², estimated from the overall means, with a batch-means
	// standard error from each chunk's own estimate.
	spec := sim.KernelSpec{
		Name:        "example",
		Observables: []sim.ObservableSpec{{Name: "e"}, {Name: "e2"}},
		Derived: []sim.DerivedSpec{{Name: "var", Of: []string{"e", "e2"},
			Func: func(_ sim.Params, m []float64) float64 { return m[1] - m[0]*m[0] }}},
	}
	var chunks [][]sim.Acc
	for _, xs := range [][]float64{{1, 3}, {2, 4}, {0, 2}, {1, 5}} {
		chunk := make([]sim.Acc, 2)
		for _, x := range xs {
			chunk[0].Add(x)
			chunk[1].Add(x * x)
		}
		chunks = append(chunks, chunk)
	}

	reduced, _ := stats.ReduceAll(spec, sim.Params{}, chunks)
	for _, s := range reduced {
		fmt.Printf("%s: mean=%.4f stderr=%.4f (%d chunks)\n", s.Observable, s.Mean, s.StdErr, s.Chunks)
	}
	est, _ := stats.DerivedChunks(spec.Observables, spec.Derived[0], sim.Params{}, chunks)
	fmt.Println("per-chunk estimates of var:", est)
	// Output:
	// e: mean=2.2500 stderr=0.4787 (4 chunks)
	// e2: mean=7.5000 stderr=2.4664 (4 chunks)
	// var: mean=2.4375 stderr=0.8486 (4 chunks)
	// per-chunk estimates of var: [1 1 1 4]
}

func ExampleTailProb() {
	// Two runs whose standard errors come from 10 chunks each (batch
	// means: 9 degrees of freedom a side) differ by 3 standard errors of
	// the difference. On the Welch–Satterthwaite degrees of freedom that
	// is almost three times as likely by chance as the normal says.
	df := stats.WelchDF(0.01, 9, 0.01, 9)
	fmt.Printf("%g degrees of freedom: P(|T| ≥ 3) = %.4f; normal: %.4f\n",
		df, stats.TailProb(3, df), stats.TailProb(3, math.Inf(1)))
	// Output:
	// 18 degrees of freedom: P(|T| ≥ 3) = 0.0077; normal: 0.0027
}
