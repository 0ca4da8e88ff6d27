package report_test

import (
	"fmt"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
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

	stats, warnings := report.Reduce(obs, chunks)
	for _, s := range stats {
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
