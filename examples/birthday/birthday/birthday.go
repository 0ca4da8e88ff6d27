package birthday

import (
	"github.com/simrun/simrun/kernels"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// Kernel is the birthday problem. One sample gives each of people persons
// a birthday drawn uniformly from days days and records shared = 1 if two
// of them (at least) have the same one, else 0. The mean of shared is the
// probability of a shared birthday, whose exact value the reference
// "exact" gives (see Exact).
type Kernel struct{}

// Spec implements kernels.Kernel.
func (Kernel) Spec() sim.KernelSpec {
	return sim.KernelSpec{
		Name: "birthday",
		// 0: birthdays drawn with Uint64n(days) until the first repeat,
		// the count summarised with sim.Binary. Raise it for any change
		// that gives other samples from the same stream.
		Version: 0,
		Doc:     "The birthday problem: do at least two of people persons, with birthdays uniform over days days, share one?",
		Params: []sim.ParamSpec{
			{Name: "people", Kind: sim.Int, Doc: "persons in the room", Default: sim.IntValue(23),
				Range: &sim.Range{Min: 1, Max: 1000}},
			{Name: "days", Kind: sim.Int, Doc: "days in the year, each birthday equally likely", Default: sim.IntValue(365),
				Range: &sim.Range{Min: 1, Max: 100_000}},
		},
		Observables: []sim.ObservableSpec{
			{Name: "shared", Doc: "1 if at least two persons share a birthday, else 0; mean = the probability", IID: true},
		},
		References: []sim.ReferenceSpec{
			{Name: "exact", Of: "shared", Exact: true,
				Doc:  "1 - prod_{i<people} (days-i)/days, the classical birthday problem (Feller, An Introduction to Probability Theory and Its Applications, vol. 1, II.3)",
				Func: func(p sim.Params) float64 { return Exact(p.Int("people"), p.Int("days")) }},
		},
	}
}

// Exact returns the probability that at least two of people persons share
// a birthday when each is uniform over days days:
// 1 − ∏_{i=0}^{people−1} (days−i)/days, evaluated in float64 one factor at
// a time in that order (each quotient and product rounded on its own, so
// the value is the same on every machine). It is 0 for people ≤ 1 and 1 for
// people > days (pigeonhole). The error is below people·2⁻⁵² in absolute
// value: two roundings per factor.
func Exact(people, days int64) float64 {
	switch {
	case people <= 1:
		return 0
	case people > days:
		return 1
	}
	none := 1.0 // P(no two of the first i share a birthday)
	for i := range people {
		none *= float64(days-i) / float64(days)
	}
	return 1 - none
}

// New implements kernels.Kernel. It allocates the sampler's table of days,
// once per point, so that Sample allocates nothing.
func (Kernel) New(p sim.Params) (kernels.Sampler, error) {
	days := p.Int("days")
	return &sampler{
		people: p.Int("people"),
		days:   uint64(days),
		seen:   make([]uint64, days),
	}, nil
}

// sampler simulates one point. It keeps state between samples, so it is
// for one goroutine at a time.
type sampler struct {
	people int64
	days   uint64
	// seen[d] is the number of the last sample in which day d was
	// someone's birthday, so a day is taken in the current sample exactly
	// when seen[d] == gen. Numbering the samples instead of clearing the
	// table makes a sample cost its draws, not days, and stale entries
	// are all below gen, so no sample or chunk sees another's birthdays.
	seen []uint64
	// gen numbers the samples drawn by this sampler, from 1; at one per
	// nanosecond it would wrap after 584 years.
	gen uint64
}

// Sample implements kernels.Sampler. It draws birthdays from r, and only
// from r, until the first repeat or the last person, counts the samples
// with a repeat, and records the count with sim.Binary: the exact summary
// (count, mean k/n, sum of squared deviations) of n values each 0 or 1,
// with no floating-point update per sample. Adding each 0 or 1 with
// obs[0].Add would give the same statistics up to the rounding of n
// Welford updates, more slowly; either is deterministic, but switching
// would change the bytes of the results and so the kernel's Version.
func (s *sampler) Sample(r *rng.Xoshiro256, n int64, obs []sim.Acc) {
	var shared int64
	for range n {
		s.gen++
		for range s.people {
			d := r.Uint64n(s.days)
			if s.seen[d] == s.gen {
				shared++
				break
			}
			s.seen[d] = s.gen
		}
	}
	obs[0].Merge(sim.Binary(n, shared, 0, 1))
}
