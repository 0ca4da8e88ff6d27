package main

import (
	"fmt"
	"strings"

	"github.com/simrun/simrun/sim"
)

// A configuration is one experiment the command measures: the option
// kernel's call at a few strikes (S0 = 100, r = 0.05, T = 1, sigma = 0.2),
// sampled to an absolute standard error, at every seed; then the same
// points at the same seeds with a fixed budget, the adaptive runs' mean
// samples a point. Each gives a subsection of the block.
type configuration struct {
	id    string // names its files and log lines: "atm"
	title string // its subsection's heading
	about string // what it is for: the subsection's first sentences

	strikes   []float64 // K, swept
	chunkSize int64
	minChunks int64   // the chunks of the first round
	maxChunks int64   // the most a point may have: far above what one needs
	targetAbs float64 // the call's standard error, at most

	// byPrefix also tabulates the adaptive coverage by the prefix of
	// chunks each point stopped at, not only by its rounds.
	byPrefix bool
}

// configurations returns the experiments the command measures, in the
// order of the block.
func configurations() []configuration {
	return []configuration{
		{
			id:    "atm",
			title: "Around the money",
			about: "Strikes around the money, with a target several rounds of small chunks away from the " +
				"first round, so that a point stops on a standard error estimated from many samples.",
			strikes:   []float64{90, 100, 110},
			chunkSize: 1_000,
			minChunks: 10,
			maxChunks: 1_000,
			targetAbs: 0.05,
			byPrefix:  true,
		},
		{
			id:    "otm",
			title: "Deep out of the money, the first round borderline",
			about: "Strikes deep out of the money, whose discounted payoff is 0 at most samples and large " +
				"at a few (a heavy right tail), with a target about the standard error of the first round " +
				"at K = 150. The call is IID, so its standard error is the sample standard deviation " +
				"of every payoff over √N; whether a point stops after its first round depends on that " +
				"estimate, which is small when the round happens to hold few large payoffs, and then its " +
				"mean is small too.",
			strikes:   []float64{149.5, 150, 150.5},
			chunkSize: 5_000,
			minChunks: 10,
			maxChunks: 1_000,
			targetAbs: 0.0127,
		},
	}
}

// heading is the configuration's subsection heading: its title and
// strikes, "Around the money: K = 90, 100 and 110".
func (cf *configuration) heading() string {
	k := make([]string, len(cf.strikes))
	for i, v := range cf.strikes {
		k[i] = sim.FormatFloat(v)
	}
	if n := len(k); n > 1 {
		k = append(k[:n-2], k[n-2]+" and "+k[n-1])
	}
	return cf.title + ": K = " + strings.Join(k, ", ")
}

// file is the configuration's experiment at seed: adaptive when samples
// is 0, otherwise a fixed budget of that many samples a point.
func (cf *configuration) file(seed int, samples int64) string {
	budget := fmt.Sprintf(`[samples]
samples = %s
chunk_size = %s
min_chunks = %d
[samples.target]
call = { abs = %g }
`, underscores(cf.maxChunks*cf.chunkSize), underscores(cf.chunkSize), cf.minChunks, cf.targetAbs)
	if samples > 0 {
		budget = fmt.Sprintf("[samples]\nsamples = %s\nchunk_size = %s\n", underscores(samples), underscores(cf.chunkSize))
	}
	k := make([]string, len(cf.strikes))
	for i, v := range cf.strikes {
		k[i] = sim.FormatFloat(v)
	}
	return fmt.Sprintf(`name = "coverage-%s"
kernel = "option"
seed = %d
[params]
S0 = 100
r = 0.05
T = 1
sigma = 0.2
[sweep]
K = [%s]
`, cf.id, seed, strings.Join(k, ", ")) + budget
}
