package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

// normalChunks returns chunks of n samples each of a normal(mean, sd)
// observable, from a fixed seed.
func normalChunks(chunks, n int, mean, sd float64, seed uint64) Slice {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make(Slice, chunks)
	for c := range out {
		var a sim.Acc
		for range n {
			a.Add(mean + sd*r.NormFloat64())
		}
		out[c] = []sim.Acc{a}
	}
	return out
}

var seqSpec = sim.KernelSpec{Observables: []sim.ObservableSpec{{Name: "x"}}}

// TestReduceSequential replays the rounds of a point and checks each
// decision against a reduction of the prefix it stopped at.
func TestReduceSequential(t *testing.T) {
	// 100 samples a chunk of sd 1: a chunk mean's sd is 0.1, and the mean
	// of k chunks has a standard error of about 0.1/√k.
	all := normalChunks(400, 100, 3, 1, 7)
	for _, tt := range []struct {
		name        string
		target      sim.Target
		min, chunks int64
		reached     bool
		// The rounds' chunk counts, from the rule: min, then by the
		// predicted need, within [c + c/4, 2c].
		rounds []int64
	}{
		// 0.1/√10 ≈ 0.032, with t975(9)·0.032 + 1/1000 ≈ 0.073 ≤ 1.96·0.08,
		// whatever the ten chunks' estimate of it.
		{"reached in the first round", sim.Target{Abs: 0.08}, 10, 400, true, []int64{10}},
		// Needs about (t·0.1/(1.96·0.01))² ≈ 100 chunks.
		{"reached after rounds", sim.Target{Abs: 0.01}, 10, 400, true, nil},
		{"relative", sim.Target{Rel: 0.003}, 10, 400, true, nil},
		{"not reached at the maximum", sim.Target{Abs: 0.001}, 10, 400, false, nil},
		{"minimum above the chunks", sim.Target{Abs: 1}, 20, 12, true, []int64{12}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := sim.Budget{Samples: 100 * tt.chunks, ChunkSize: 100, Chunks: tt.chunks, MinChunks: tt.min,
				Targets: []sim.Target{{Stat: "x", Index: 0, Abs: tt.target.Abs, Rel: tt.target.Rel}}}
			var r Reducer
			st, warns, pr, err := r.ReduceSequential(nil, seqSpec, sim.Params{}, b, all[:tt.chunks])
			if err != nil {
				t.Fatal(err)
			}
			if !pr.Done || pr.Reached != tt.reached || len(pr.Targets) != 1 || pr.Targets[0].Reached != tt.reached {
				t.Fatalf("precision %+v, want done and reached = %v", pr, tt.reached)
			}
			// The statistics are those of exactly the prefix.
			want, wantWarns := Reduce(seqSpec.Observables, all[:pr.Chunks])
			if !sameStats(st, want) {
				t.Errorf("stats %+v, want the prefix's %+v", st, want)
			}
			if pr.Samples != 100*pr.Chunks || st[0].N != pr.Samples {
				t.Errorf("samples %d (stat N %d), want %d", pr.Samples, st[0].N, 100*pr.Chunks)
			}
			if got := Reached(st[0], tt.target); got != tt.reached {
				t.Errorf("Reached on the final stats = %v", got)
			}
			if !tt.reached {
				if pr.Chunks != tt.chunks || len(warns) != len(wantWarns)+1 || !strings.Contains(warns[len(warns)-1], "x: target not reached") {
					t.Errorf("stopped at %d of %d chunks, warnings %q", pr.Chunks, tt.chunks, warns)
				}
			}
			// Replay the rounds by hand: no earlier round's prefix reached
			// the target, and each round grew by the rule's bounds.
			c, rounds := min(tt.min, tt.chunks), []int64{}
			for {
				rounds = append(rounds, c)
				s, _ := Reduce(seqSpec.Observables, all[:c])
				if Reached(s[0], tt.target) || c == tt.chunks {
					break
				}
				next := nextRound(c, b, s)
				if next < c+max(1, c/4) && next != tt.chunks || next > 2*c {
					t.Fatalf("round after %d chunks: %d, outside [c + c/4, 2c]", c, next)
				}
				c = next
			}
			if c != pr.Chunks || len(rounds) != pr.Rounds {
				t.Errorf("stopped at %d chunks after %d rounds, the replay at %d after %d (%v)", pr.Chunks, pr.Rounds, c, len(rounds), rounds)
			}
			if tt.rounds != nil && !slices.Equal(rounds, tt.rounds) {
				t.Errorf("rounds %v, want %v", rounds, tt.rounds)
			}
		})
	}
}

func sameStats(a, b []Stat) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		for _, p := range [][2]float64{{x.Mean, y.Mean}, {x.StdErr, y.StdErr}, {x.Variance, y.Variance}, {x.CILow, y.CILow}, {x.CIHigh, y.CIHigh}} {
			if math.Float64bits(p[0]) != math.Float64bits(p[1]) {
				return false
			}
		}
		if x.N != y.N || x.Chunks != y.Chunks {
			return false
		}
	}
	return true
}

// TestReduceSequentialMissing: a chunk missing from the prefix a decision
// needs leaves the point undecided, with the prefix it needs; one beyond
// the point's stop does not matter.
func TestReduceSequentialMissing(t *testing.T) {
	all := normalChunks(300, 100, 3, 1, 9)
	b := sim.Budget{Samples: 100 * 300, ChunkSize: 100, Chunks: 300, MinChunks: 10,
		Targets: []sim.Target{{Stat: "x", Abs: 0.01}}}
	var r Reducer
	_, _, full, err := r.ReduceSequential(nil, seqSpec, sim.Params{}, b, all)
	if err != nil || !full.Done || full.Rounds < 2 {
		t.Fatalf("full: %+v, %v; want done in rounds", full, err)
	}
	for _, tt := range []struct {
		name    string
		missing int64
		done    bool
		need    int64
	}{
		{"in the first round", 3, false, 10},
		{"in the last round", full.Chunks - 1, false, full.Chunks},
		{"beyond the stop", full.Chunks, true, full.Chunks},
	} {
		t.Run(tt.name, func(t *testing.T) {
			chunks := slices.Clone(all)
			chunks[tt.missing] = []sim.Acc{{}}
			st, _, pr, err := r.ReduceSequential(nil, seqSpec, sim.Params{}, b, chunks)
			if err != nil {
				t.Fatal(err)
			}
			if pr.Done != tt.done || pr.Chunks != tt.need {
				t.Errorf("precision %+v, want done = %v at %d chunks", pr, tt.done, tt.need)
			}
			if !tt.done && st != nil {
				t.Errorf("stats %v of an undecided point", st)
			}
		})
	}
	// Fewer chunks than the first round: undecided.
	if _, _, pr, _ := r.ReduceSequential(nil, seqSpec, sim.Params{}, b, all[:5]); pr.Done || pr.Chunks != 10 {
		t.Errorf("5 chunks of a first round of 10: %+v", pr)
	}
}

// TestReduceSequentialZeroVariance: a point whose samples are all equal
// has a standard error of 0, and stops only once the guard 1/N is below
// the target (Chow–Robbins).
func TestReduceSequentialZeroVariance(t *testing.T) {
	chunks := make(Slice, 1000)
	for c := range chunks {
		chunks[c] = []sim.Acc{sim.Binary(10, 0, 0, 1)}
	}
	// 1/N ≤ 1.96·0.001 once N ≥ 511: 52 chunks of 10.
	b := sim.Budget{Samples: 10_000, ChunkSize: 10, Chunks: 1000, MinChunks: 10,
		Targets: []sim.Target{{Stat: "x", Abs: 0.001}}}
	var r Reducer
	st, _, pr, err := r.ReduceSequential(nil, seqSpec, sim.Params{}, b, chunks)
	if err != nil {
		t.Fatal(err)
	}
	if !pr.Reached || st[0].N < 511 || pr.Chunks > 2*52 {
		t.Errorf("stopped at %d samples (%+v), want reached at 511 to 1040", st[0].N, pr)
	}
}

// TestReduceSequentialDerived: a target may be on a derived quantity,
// whose place follows the observables'.
func TestReduceSequentialDerived(t *testing.T) {
	spec := sim.KernelSpec{
		Observables: []sim.ObservableSpec{{Name: "x"}},
		Derived: []sim.DerivedSpec{{Name: "twice", Of: []string{"x"},
			Func: func(_ sim.Params, m []float64) float64 { return 2 * m[0] }}},
	}
	all := normalChunks(400, 100, 3, 1, 11)
	b := sim.Budget{Samples: 40_000, ChunkSize: 100, Chunks: 400, MinChunks: 10,
		Targets: []sim.Target{{Stat: "twice", Index: 1, Abs: 0.02}}}
	var r Reducer
	st, _, pr, err := r.ReduceSequential(nil, spec, sim.Params{}, b, all)
	if err != nil {
		t.Fatal(err)
	}
	// twice's standard error is twice x's: the target 0.02 on it is x's 0.01.
	b.Targets = []sim.Target{{Stat: "x", Index: 0, Abs: 0.01}}
	_, _, px, _ := r.ReduceSequential(nil, spec, sim.Params{}, b, all)
	if !pr.Reached || len(st) != 2 || st[1].StdErr > 0.02 {
		t.Fatalf("derived: %+v, stats %+v", pr, st)
	}
	if pr.Chunks < 50 || px.Chunks < 50 {
		t.Errorf("stopped at %d (derived) and %d (x) chunks, want about 100 each", pr.Chunks, px.Chunks)
	}
}
