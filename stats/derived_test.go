package stats

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

// derivedKernel has observables e and e2 and the derived quantity
// c = s·(⟨e2⟩ − ⟨e⟩²), with s a parameter.
func derivedKernel() (sim.KernelSpec, sim.Params) {
	params := []sim.ParamSpec{{Name: "s", Kind: sim.Float}}
	spec := sim.KernelSpec{
		Name:        "test",
		Params:      params,
		Observables: []sim.ObservableSpec{{Name: "e"}, {Name: "e2"}},
		Derived: []sim.DerivedSpec{{
			Name: "c",
			Of:   []string{"e", "e2"},
			Func: func(p sim.Params, m []float64) float64 { return p.Float("s") * (m[1] - m[0]*m[0]) },
		}},
	}
	return spec, sim.NewParams(params, []sim.Value{sim.FloatValue(2)})
}

func TestReduceAllByHand(t *testing.T) {
	spec, p := derivedKernel()
	chunks := [][]sim.Acc{
		{accOf(1, 3), accOf(1, 9)},  // means 2, 5: c = 2·(5−4) = 2, n = 2
		{{}, {}},                    // no samples: skipped
		{accOf(2, 4), accOf(4, 18)}, // means 3, 11: c = 2·(11−9) = 4, n = 2
		{accOf(0), accOf(1)},        // means 0, 1: c = 2·1 = 2, n = 1
	}
	stats, warnings := ReduceAll(spec, p, chunks)
	obsStats, obsWarnings := Reduce(spec.Observables, chunks)
	if len(stats) != 3 || !reflect.DeepEqual(stats[:2], obsStats) {
		t.Fatalf("ReduceAll stats = %v, want Reduce's %v then one derived", stats, obsStats)
	}
	// Worked by hand. Overall means: e = (1+3+2+4+0)/5 = 2,
	// e2 = (1+9+4+18+1)/5 = 6.6, so Mean = 2·(6.6−4) = 5.2. Chunk values
	// 2, 4, 2 (mean 8/3): Variance = (4/9+16/9+4/9)/2 = 4/3. Batch means
	// around 5.2 with n = 2, 2, 1 and N = 5: Σ n²(v−5.2)² = 4·3.2² +
	// 4·1.2² + 1·3.2² = 56.96, Var(mean) = 3/2 · 56.96/25 = 3.4176.
	// t = qt(0.975, 2) = 4.302653 (R), so the CI has tolerance 1e-6·StdErr.
	s := stats[2]
	se := math.Sqrt(3.4176)
	if s.Observable != "c" || s.N != 5 || s.Chunks != 3 || s.Method != MethodBatchMeans || s.DF != 2 {
		t.Errorf("got %+v, want c, N 5, 3 chunks, batch-means, DF 2", s)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"Mean", s.Mean, 5.2}, {"Variance", s.Variance, 4.0 / 3}, {"StdErr", s.StdErr, se},
		{"Min", s.Min, 2}, {"Max", s.Max, 4},
	} {
		if !near(c.got, c.want, 1e-14) {
			t.Errorf("%s = %.17g, want %.17g", c.name, c.got, c.want)
		}
	}
	h := 4.302653 * se
	if tol := 1e-6 * se; math.Abs(s.CILow-(5.2-h)) > tol || math.Abs(s.CIHigh-(5.2+h)) > tol {
		t.Errorf("CI = [%v, %v], want [%v, %v] ± %.1g", s.CILow, s.CIHigh, 5.2-h, 5.2+h, tol)
	}
	want := append(obsWarnings, "c: only 3 chunks: the 95% confidence interval uses Student's t with 2 degrees of freedom and is wide")
	if !reflect.DeepEqual(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}

	// Bit-identical on a second, independent reduction.
	again, _ := ReduceAll(spec, p, deepCopy(chunks))
	if statBits(again[2]) != statBits(s) {
		t.Errorf("second reduction differs in bits")
	}
}

func TestReduceAllWarnings(t *testing.T) {
	spec, p := derivedKernel()
	for _, test := range []struct {
		name   string
		of     []string
		chunks [][]sim.Acc
		want   string // the derived quantity's warning
		nanSE  bool
		nanAll bool
	}{
		{name: "one chunk", chunks: [][]sim.Acc{{accOf(1, 3), accOf(1, 9)}},
			want: "c: batch means needs at least 2 chunks, have 1", nanSE: true},
		{name: "no samples", chunks: [][]sim.Acc{{{}, {}}}, want: "c: no samples", nanSE: true, nanAll: true},
		{name: "unknown observable", of: []string{"e", "x"}, chunks: [][]sim.Acc{{accOf(1), accOf(1)}},
			want: `c: "x" is not an observable: no estimate`, nanSE: true, nanAll: true},
	} {
		t.Run(test.name, func(t *testing.T) {
			spec := spec
			spec.Derived = append([]sim.DerivedSpec(nil), spec.Derived...)
			if test.of != nil {
				spec.Derived[0].Of = test.of
			}
			stats, warnings := ReduceAll(spec, p, test.chunks)
			s := stats[len(stats)-1]
			found := false
			for _, w := range warnings {
				found = found || strings.Contains(w, test.want)
			}
			if !found {
				t.Errorf("warnings = %q, want one containing %q", warnings, test.want)
			}
			if math.IsNaN(s.StdErr) != test.nanSE || math.IsNaN(s.Mean) != test.nanAll {
				t.Errorf("Mean, StdErr = %v, %v, want NaN: %v, %v", s.Mean, s.StdErr, test.nanAll, test.nanSE)
			}
			if math.IsNaN(s.StdErr) && !(math.IsNaN(s.CILow) && math.IsNaN(s.DF)) {
				t.Errorf("StdErr NaN but CI low %v, DF %v", s.CILow, s.DF)
			}
		})
	}
}

func TestDerivedChunks(t *testing.T) {
	spec, p := derivedKernel()
	chunks := [][]sim.Acc{
		{accOf(1, 3), accOf(1, 9)},  // means 2, 5: c = 2·(5−4) = 2
		{{}, {}},                    // no samples: left out
		{accOf(2, 4), accOf(4, 18)}, // means 3, 11: c = 2·(11−9) = 4
		{accOf(0)},                  // not one accumulator per observable: left out
		{accOf(0), accOf(1)},        // means 0, 1: c = 2·1 = 2
	}
	// Worked by hand, exact in floating point.
	got, err := DerivedChunks(spec.Observables, spec.Derived[0], p, chunks)
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{2, 4, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("DerivedChunks = %v, want %v", got, want)
	}

	d := spec.Derived[0]
	d.Of = []string{"e", "x"}
	if _, err := DerivedChunks(spec.Observables, d, p, chunks); err == nil ||
		err.Error() != `stats: derived quantity c: "x" is not an observable` {
		t.Errorf("unknown observable: error = %v", err)
	}
}
