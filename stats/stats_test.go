package stats

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/simrun/simrun/sim"
)

// accOf returns the accumulator of xs, added one by one.
func accOf(xs ...float64) sim.Acc {
	var a sim.Acc
	for _, x := range xs {
		a.Add(x)
	}
	return a
}

// chunksOf splits xs at the given cut points into one-observable chunks.
func chunksOf(xs []float64, cuts []int) [][]sim.Acc {
	var chunks [][]sim.Acc
	prev := 0
	for _, c := range append(cuts, len(xs)) {
		chunks = append(chunks, []sim.Acc{accOf(xs[prev:c]...)})
		prev = c
	}
	return chunks
}

// near reports whether got is within tol of want, relative to |want| when
// |want| > 1 and absolute otherwise.
func near(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func TestReduceMatchesGonum(t *testing.T) {
	// Reference: gonum stat.MeanVariance (two-pass) on the raw data, and
	// stat.Mean/stat.Variance of the chunk means for batch means. The
	// merge (Welford, then Chan et al.) sums in a different order, so
	// the results agree to rounding: tolerance 1e-12 relative for 1000
	// samples, about 1000·2⁻⁵³ with a margin.
	const tol = 1e-12
	rnd := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = 5 + 3*rnd.NormFloat64()
	}
	wantMean, wantVar := stat.MeanVariance(xs, nil)
	wantMin, wantMax := xs[0], xs[0]
	for _, x := range xs {
		wantMin, wantMax = math.Min(wantMin, x), math.Max(wantMax, x)
	}

	for _, test := range []struct {
		name  string
		cuts  []int
		equal bool // chunks of equal size: batch means is s²/k of the chunk means
	}{
		{name: "one chunk", cuts: nil},
		{name: "ten equal chunks", cuts: []int{100, 200, 300, 400, 500, 600, 700, 800, 900}, equal: true},
		{name: "forty equal chunks", cuts: everyN(25, 1000), equal: true},
		{name: "one and the rest", cuts: []int{1}},
		{name: "uneven", cuts: []int{3, 17, 18, 250, 251, 600, 999}},
		{name: "empty chunks", cuts: []int{0, 0, 500, 500, 1000}},
	} {
		t.Run(test.name, func(t *testing.T) {
			chunks := chunksOf(xs, test.cuts)
			for _, iid := range []bool{true, false} {
				stats, _ := Reduce([]sim.ObservableSpec{{Name: "x", IID: iid}}, chunks)
				s := stats[0]
				if s.N != int64(len(xs)) {
					t.Errorf("iid=%v: N = %d, want %d", iid, s.N, len(xs))
				}
				if !near(s.Mean, wantMean, tol) {
					t.Errorf("iid=%v: Mean = %v, want %v (gonum)", iid, s.Mean, wantMean)
				}
				if !near(s.Variance, wantVar, tol) {
					t.Errorf("iid=%v: Variance = %v, want %v (gonum)", iid, s.Variance, wantVar)
				}
				if s.Min != wantMin || s.Max != wantMax {
					t.Errorf("iid=%v: Min, Max = %v, %v, want %v, %v (exact)", iid, s.Min, s.Max, wantMin, wantMax)
				}
				if iid {
					if want := math.Sqrt(wantVar / float64(len(xs))); !near(s.StdErr, want, tol) {
						t.Errorf("StdErr = %v, want %v (sqrt(var/n), gonum)", s.StdErr, want)
					}
					if s.DF != float64(len(xs)-1) {
						t.Errorf("DF = %v, want %d", s.DF, len(xs)-1)
					}
				}
				if !iid && test.equal {
					var means []float64
					for _, c := range chunks {
						means = append(means, c[0].Mean)
					}
					want := math.Sqrt(stat.Variance(means, nil) / float64(len(means)))
					if !near(s.StdErr, want, tol) {
						t.Errorf("batch means StdErr = %v, want %v (s/√k of chunk means, gonum)", s.StdErr, want)
					}
				}
			}
		})
	}
}

func everyN(n, total int) []int {
	var cuts []int
	for c := n; c < total; c += n {
		cuts = append(cuts, c)
	}
	return cuts
}

func TestReduceByHand(t *testing.T) {
	// Expected values worked out by hand from the chunk contents; the t
	// quantiles are R's qt(0.975, df), so CIs have tolerance 1e-6·StdErr.
	for _, test := range []struct {
		name   string
		iid    bool
		chunks [][]float64
		mean   float64
		vari   float64
		stderr float64 // tolerance 1e-15 relative
		df     float64
		t975   float64 // qt(0.975, df)
	}{
		{
			// Chunk means 2, 6, 4; overall 4; Σ(m_c−m)² = 8;
			// s² = 8/2 = 4; Var(mean) = s²/k = 4/3. Variance of
			// 1,3,5,7,3,5: Σ(x−4)² = 22, /5 = 4.4.
			name:   "batch means, equal chunks",
			chunks: [][]float64{{1, 3}, {5, 7}, {3, 5}},
			mean:   4, vari: 22.0 / 5, stderr: 2 / math.Sqrt(3), df: 2, t975: 4.302653,
		},
		{
			// n = 2, 1, 3; means 1, 4, 1; N = 6, m = 9/6 = 1.5.
			// Σ n_c²(m_c−m)² = 4·0.25 + 1·6.25 + 9·0.25 = 9.5;
			// Var(mean) = 3/2 · 9.5/36 = 57/144, StdErr = √57/12.
			// Variance of 0,2,4,1,1,1: Σ(x−1.5)² = 9.5, /5 = 1.9.
			name:   "batch means, unequal chunks",
			chunks: [][]float64{{0, 2}, {4}, {1, 1, 1}},
			mean:   1.5, vari: 1.9, stderr: math.Sqrt(57) / 12, df: 2, t975: 4.302653,
		},
		{
			// 1, 2, 3, 4: mean 2.5, variance 5/3, StdErr √(5/12).
			name:   "iid",
			iid:    true,
			chunks: [][]float64{{1, 2}, {3, 4}},
			mean:   2.5, vari: 5.0 / 3, stderr: math.Sqrt(5.0 / 12), df: 3, t975: 3.182446,
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			var chunks [][]sim.Acc
			for _, c := range test.chunks {
				chunks = append(chunks, []sim.Acc{accOf(c...)})
			}
			stats, _ := Reduce([]sim.ObservableSpec{{Name: "x", IID: test.iid}}, chunks)
			s := stats[0]
			if !near(s.Mean, test.mean, 1e-15) || !near(s.Variance, test.vari, 1e-15) {
				t.Errorf("Mean, Variance = %v, %v, want %v, %v", s.Mean, s.Variance, test.mean, test.vari)
			}
			if !near(s.StdErr, test.stderr, 1e-15) {
				t.Errorf("StdErr = %.17g, want %.17g", s.StdErr, test.stderr)
			}
			if s.DF != test.df {
				t.Errorf("DF = %v, want %v", s.DF, test.df)
			}
			h := test.t975 * test.stderr
			if tol := 1e-6 * test.stderr; math.Abs(s.CILow-(test.mean-h)) > tol || math.Abs(s.CIHigh-(test.mean+h)) > tol {
				t.Errorf("CI = [%v, %v], want [%v, %v] ± %.1g", s.CILow, s.CIHigh, test.mean-h, test.mean+h, tol)
			}
			wantMethod := MethodBatchMeans
			if test.iid {
				wantMethod = MethodIID
			}
			if s.Method != wantMethod {
				t.Errorf("Method = %q, want %q", s.Method, wantMethod)
			}
		})
	}
}

func TestReduceBitIdentical(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	obs := []sim.ObservableSpec{{Name: "a", IID: true}, {Name: "b"}}
	chunks := make([][]sim.Acc, 37)
	for c := range chunks {
		chunks[c] = make([]sim.Acc, len(obs))
		for range 1 + rnd.IntN(50) {
			chunks[c][0].Add(rnd.ExpFloat64())
			chunks[c][1].Add(rnd.NormFloat64() * 1e-3)
		}
	}
	orig := deepCopy(chunks)

	s1, w1 := Reduce(obs, chunks)
	// A second run delivers the same chunks, built independently (as
	// another worker count would), in the same index order.
	s2, w2 := Reduce(obs, deepCopy(chunks))
	if !reflect.DeepEqual(chunks, orig) {
		t.Fatal("Reduce modified its input")
	}
	if !reflect.DeepEqual(w1, w2) {
		t.Errorf("warnings differ:\n%q\n%q", w1, w2)
	}
	for o := range obs {
		if b1, b2 := statBits(s1[o]), statBits(s2[o]); b1 != b2 {
			t.Errorf("observable %s: results differ in bits:\n%x\n%x", obs[o].Name, b1, b2)
		}
	}
}

func deepCopy(chunks [][]sim.Acc) [][]sim.Acc {
	c := make([][]sim.Acc, len(chunks))
	for i := range chunks {
		c[i] = append([]sim.Acc(nil), chunks[i]...)
	}
	return c
}

// statBits returns the bits of every float in s, so that NaNs compare and
// -0 differs from +0.
func statBits(s Stat) [8]uint64 {
	var b [8]uint64
	for i, f := range []float64{s.Mean, s.Variance, s.StdErr, s.CILow, s.CIHigh, s.Min, s.Max, s.DF} {
		b[i] = math.Float64bits(f)
	}
	return b
}

func TestReduceWarnings(t *testing.T) {
	constant := func(k int) [][]sim.Acc {
		var chunks [][]sim.Acc
		for range k {
			chunks = append(chunks, []sim.Acc{accOf(1, 1)})
		}
		return chunks
	}
	spread := func(k int) [][]sim.Acc {
		var chunks [][]sim.Acc
		for c := range k {
			chunks = append(chunks, []sim.Acc{accOf(float64(c), float64(c*c+1))})
		}
		return chunks
	}
	for _, test := range []struct {
		name      string
		iid       bool
		chunks    [][]sim.Acc
		want      []string // substrings, one per warning, in order
		nanStdErr bool
	}{
		{name: "ten chunks", chunks: spread(10)},
		{name: "iid with few chunks", iid: true, chunks: spread(2)},
		{name: "one chunk", chunks: spread(1), want: []string{"x: batch means needs at least 2 chunks, have 1"}, nanStdErr: true},
		{name: "five chunks", chunks: spread(5), want: []string{"x: only 5 chunks: the 95% confidence interval uses Student's t with 4 degrees of freedom"}},
		{name: "no chunks", chunks: nil, want: []string{"x: no samples"}, nanStdErr: true},
		{name: "empty chunks", chunks: [][]sim.Acc{{{}}, {{}}}, want: []string{"x: no samples"}, nanStdErr: true},
		{name: "one sample iid", iid: true, chunks: [][]sim.Acc{{accOf(2)}}, want: []string{"x: 1 sample"}, nanStdErr: true},
		{name: "NaN", iid: true, chunks: [][]sim.Acc{{accOf(1, math.NaN(), 2)}}, want: []string{"x: non-finite values in the data (mean NaN, min NaN, max NaN)"}, nanStdErr: true},
		{name: "Inf", iid: true, chunks: [][]sim.Acc{{accOf(1, math.Inf(1))}}, want: []string{"x: non-finite values in the data (mean +Inf, min 1, max +Inf)"}, nanStdErr: true},
		{name: "zero variance", chunks: constant(10), want: []string{"x: all 20 samples are equal (zero variance)"}},
		{name: "equal chunk means", chunks: [][]sim.Acc{{accOf(0, 2)}, {accOf(2, 0)}}, want: []string{"x: only 2 chunks", "x: all 2 chunk means are equal (zero standard error)"}},
		{
			name:   "malformed chunk",
			iid:    true,
			chunks: [][]sim.Acc{{accOf(1, 2)}, {accOf(5), accOf(6)}, {}},
			want: []string{
				"chunk 1 has 2 accumulators, want 1 (one per observable): chunk ignored",
				"chunk 2 has 0 accumulators, want 1",
			},
		},
	} {
		t.Run(test.name, func(t *testing.T) {
			stats, warnings := Reduce([]sim.ObservableSpec{{Name: "x", IID: test.iid}}, test.chunks)
			if len(warnings) != len(test.want) {
				t.Fatalf("warnings = %q, want %d matching %q", warnings, len(test.want), test.want)
			}
			for i, w := range warnings {
				if !strings.Contains(w, test.want[i]) {
					t.Errorf("warning %d = %q, want it to contain %q", i, w, test.want[i])
				}
			}
			s := stats[0]
			if got := math.IsNaN(s.StdErr); got != test.nanStdErr {
				t.Errorf("StdErr = %v, want NaN: %v", s.StdErr, test.nanStdErr)
			}
			if math.IsNaN(s.StdErr) && !(math.IsNaN(s.CILow) && math.IsNaN(s.CIHigh) && math.IsNaN(s.DF)) {
				t.Errorf("StdErr is NaN but CI = [%v, %v], DF = %v, want NaN", s.CILow, s.CIHigh, s.DF)
			}
		})
	}
}

func TestReduceNoObservables(t *testing.T) {
	stats, warnings := Reduce(nil, [][]sim.Acc{{}, {}})
	if len(stats) != 0 || len(warnings) != 0 {
		t.Errorf("Reduce(nil, empty chunks) = %v, %q, want nothing", stats, warnings)
	}
}
