package stats

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/simrun/simrun/sim"
)

// reusing walks chunks as a file reader does: one buffer, overwritten
// for every chunk, and it counts its walks.
type reusing struct {
	chunks [][]sim.Acc
	walks  int
	fail   error
}

func (r *reusing) Each(f func([]sim.Acc) error) error {
	r.walks++
	if r.fail != nil {
		return r.fail
	}
	var buf []sim.Acc
	for _, c := range r.chunks {
		buf = append(buf[:0], c...)
		if err := f(buf); err != nil {
			return err
		}
		clear(buf) // what a reader overwrites
	}
	return nil
}

func TestReducePoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 2))
	chunks := make([][]sim.Acc, 50)
	for c := range chunks {
		chunks[c] = make([]sim.Acc, 2)
		for o := range chunks[c] {
			for range 1 + rng.IntN(20) {
				chunks[c][o].Add(rng.NormFloat64() + float64(o))
			}
		}
	}
	chunks[7] = chunks[7][:1] // ignored, with a warning
	ratio := sim.DerivedSpec{Name: "ratio", Of: []string{"b", "a"}, Func: func(_ sim.Params, m []float64) float64 { return m[0] / m[1] }}
	for _, tc := range []struct {
		name  string
		spec  sim.KernelSpec
		walks int
	}{
		{"iid only: one walk", sim.KernelSpec{Observables: []sim.ObservableSpec{{Name: "a", IID: true}, {Name: "b", IID: true}}}, 1},
		{"batch means: two", sim.KernelSpec{Observables: []sim.ObservableSpec{{Name: "a", IID: true}, {Name: "b"}}}, 2},
		{"derived: two", sim.KernelSpec{Observables: []sim.ObservableSpec{{Name: "a", IID: true}, {Name: "b", IID: true}}, Derived: []sim.DerivedSpec{ratio}}, 2},
	} {
		src := &reusing{chunks: chunks}
		got, gotW, err := ReducePoint(tc.spec, sim.Params{}, src)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want, wantW := ReduceAll(tc.spec, sim.Params{}, chunks)
		if !slices.EqualFunc(got, want, sameStat) || !slices.Equal(gotW, wantW) || src.walks != tc.walks {
			t.Errorf("%s: from a reused buffer in %d walks:\n%+v %q\nfrom memory (want %d walks):\n%+v %q", tc.name, src.walks, got, gotW, tc.walks, want, wantW)
		}
		if len(gotW) == 0 || gotW[0] != "chunk 7 has 1 accumulators, want 2 (one per observable): chunk ignored" {
			t.Errorf("%s: warnings %q, want the ignored chunk first", tc.name, gotW)
		}
	}
	boom := errors.New("disk on fire")
	if _, _, err := ReducePoint(sim.KernelSpec{Observables: []sim.ObservableSpec{{Name: "a"}}}, sim.Params{}, &reusing{fail: boom}); !errors.Is(err, boom) {
		t.Errorf("a walk's error: got %v, want %v", err, boom)
	}
}

// sameStat compares two Stats bit for bit, NaN equal to NaN.
func sameStat(a, b Stat) bool {
	eq := func(x, y float64) bool { return x == y || x != x && y != y }
	return a.Observable == b.Observable && a.N == b.N && a.Chunks == b.Chunks && a.Method == b.Method &&
		eq(a.Mean, b.Mean) && eq(a.Variance, b.Variance) && eq(a.StdErr, b.StdErr) && eq(a.CILow, b.CILow) &&
		eq(a.CIHigh, b.CIHigh) && eq(a.Min, b.Min) && eq(a.Max, b.Max) && eq(a.DF, b.DF)
}
