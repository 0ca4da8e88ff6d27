package kernels

import (
	"testing"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// BenchmarkIsingMetropolis reports the checkerboard Metropolis sweep on a
// 64×64 lattice near Tc: one op is one sweep (4096 spin-flip attempts).
func BenchmarkIsingMetropolis(b *testing.B) {
	const l = 64
	s, err := Ising2D{}.New(params(b, Ising2D{}, isingSet(l, 2.269, 1, 0, "metropolis")))
	if err != nil {
		b.Fatal(err)
	}
	is := s.(*isingSampler)
	g := is.reset(rng.FromSeed(1))
	for range 100 {
		g = is.sweep(g)
	}
	b.ResetTimer()
	for range b.N {
		g = is.sweep(g)
	}
	attempts := float64(b.N) * l * l
	b.ReportMetric(attempts/b.Elapsed().Seconds(), "flips/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/attempts, "ns/flip")
}

// BenchmarkIsingSample reports a whole chunk through Sample, measurement
// after every sweep included: one op is one measured sweep of 64×64 spins.
func BenchmarkIsingSample(b *testing.B) {
	const l = 64
	set := isingSet(l, 2.269, 1, 0, "metropolis")
	set["burnin"] = sim.IntValue(0)
	s, err := Ising2D{}.New(params(b, Ising2D{}, set))
	if err != nil {
		b.Fatal(err)
	}
	obs := make([]sim.Acc, 5)
	r := rng.FromSeed(1)
	b.ResetTimer()
	s.Sample(&r, int64(b.N), obs)
	attempts := float64(b.N) * l * l
	b.ReportMetric(attempts/b.Elapsed().Seconds(), "flips/s")
}

// BenchmarkIsingWolff reports Wolff cluster updates on a 64×64 lattice at
// Tc: one op is one cluster; spins/s counts the spins flipped.
func BenchmarkIsingWolff(b *testing.B) {
	const l = 64
	s, err := Ising2D{}.New(params(b, Ising2D{}, isingSet(l, 2.269, 1, 0, "wolff")))
	if err != nil {
		b.Fatal(err)
	}
	is := s.(*isingSampler)
	g := is.reset(rng.FromSeed(1))
	var size, flipped int
	for range 1000 {
		g, _ = is.cluster(g)
	}
	b.ResetTimer()
	for range b.N {
		g, size = is.cluster(g)
		flipped += size
	}
	b.ReportMetric(float64(flipped)/b.Elapsed().Seconds(), "spins/s")
	b.ReportMetric(float64(flipped)/float64(b.N), "spins/cluster")
}
