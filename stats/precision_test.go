package stats

import (
	"math"
	"testing"

	"github.com/simrun/simrun/sim"
)

// TestReached: the rule against hand-computed half-widths, with the t
// quantiles of t975Table (t975(3) = 3.182446305284263, R's qt(0.975, 3)).
func TestReached(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		name string
		s    Stat
		t    sim.Target
		want bool
	}{
		// 1.96·0.001 + 1e-6 against 1.96·0.001: the guard tips it.
		{"at the target, with the guard", Stat{N: 1_000_000, Mean: 5, StdErr: 0.001, DF: 999_999}, sim.Target{Abs: 0.001}, false},
		{"just above it", Stat{N: 1_000_000, Mean: 5, StdErr: 0.001, DF: 999_999}, sim.Target{Abs: 0.00101}, true},
		// 3.18·0.001 + 1e-6 against 1.96·0.0015 = 0.00294, then 0.00392.
		{"few degrees of freedom", Stat{N: 1_000_000, Mean: 5, StdErr: 0.001, DF: 3}, sim.Target{Abs: 0.0015}, false},
		{"few, and a looser target", Stat{N: 1_000_000, Mean: 5, StdErr: 0.001, DF: 3}, sim.Target{Abs: 0.002}, true},
		// Every sample equal: only the guard, 1/100 against 1.96·target.
		{"zero variance, early", Stat{N: 100, Mean: 0, StdErr: 0, DF: 99}, sim.Target{Abs: 0.005}, false},
		{"zero variance, later", Stat{N: 1000, Mean: 0, StdErr: 0, DF: 999}, sim.Target{Abs: 0.005}, true},
		// 1% of 50 is 0.5.
		{"relative", Stat{N: 10_000, Mean: -50, StdErr: 0.49, DF: 9999}, sim.Target{Rel: 0.01}, true},
		{"relative, missed", Stat{N: 10_000, Mean: -50, StdErr: 0.52, DF: 9999}, sim.Target{Rel: 0.01}, false},
		{"absolute and relative add", Stat{N: 10_000, Mean: 50, StdErr: 0.55, DF: 9999}, sim.Target{Abs: 0.1, Rel: 0.01}, true},
		{"no standard error", Stat{N: 1, Mean: 5, StdErr: nan, DF: nan}, sim.Target{Abs: 1}, false},
		{"no target", Stat{N: 10_000, Mean: 5, StdErr: 0.001, DF: 9999}, sim.Target{}, false},
		{"no samples", Stat{}, sim.Target{Abs: 1}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Reached(tt.s, tt.t); got != tt.want {
				t.Errorf("Reached(%+v, %+v) = %v, want %v", tt.s, tt.t, got, tt.want)
			}
		})
	}
}
