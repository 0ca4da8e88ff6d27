package report

import (
	"fmt"
	"go/format"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

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

func TestT975(t *testing.T) {
	// Reference: R qt(0.975, df) and qnorm(0.975), rounded to 6 decimal
	// places; tolerance 1e-6.
	for _, test := range []struct {
		name string
		df   float64
		want float64
	}{
		{name: "df=1", df: 1, want: 12.706205},
		{name: "df=2", df: 2, want: 4.302653},
		{name: "df=9", df: 9, want: 2.262157},
		{name: "df=30", df: 30, want: 2.042272},
		{name: "df=1e6", df: 1e6, want: 1.959966},
		{name: "df=1e9", df: 1e9, want: 1.959964},
		{name: "df=1e18", df: 1e18, want: 1.959964},
	} {
		t.Run(test.name, func(t *testing.T) {
			if got := t975(test.df); math.Abs(got-test.want) > 1e-6 {
				t.Errorf("t975(%g) = %.9g, want %v ± 1e-6", test.df, got, test.want)
			}
		})
	}
	for _, df := range []float64{0, 0.5, 2.5, -1, math.NaN()} {
		if got := t975(df); !math.IsNaN(got) {
			t.Errorf("t975(%g) = %g, want NaN", df, got)
		}
	}
}

func TestT975LargeDF(t *testing.T) {
	// Reference: t_{0.975,ν} = z + (z³+z)/(4ν) + O(ν⁻²) with z = qnorm(0.975)
	// = 1.959963984540054 (Abramowitz and Stegun 26.7.5); (z³+z)/4 < 2.4,
	// so t lies in [z, z + 2.4/ν], and decreases with ν.
	const z = 1.959963984540054
	prev := math.Inf(1)
	for _, df := range []float64{301, 1e3, 1e5, 1e6, 1e6 + 1, 1e7, 1e8, 1e9, 1e12, 1e15, 1e18} {
		got := t975(df)
		if got < z || got > z+2.4/df || got > prev {
			t.Errorf("t975(%g) = %.16g, want in [z, z+2.4/ν] = [%.16g, %.16g] and below %.16g", df, got, z, z+2.4/df, prev)
		}
		prev = got
	}
	// Where the table ends, the expansion agrees with the table's source
	// to its truncation error: no jump in the intervals at 300 samples.
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: t975Exact + 1}.Quantile(0.975)
	if got := t975(t975Exact + 1); math.Abs(got-q) > 4e-13*q {
		t.Errorf("t975(%d) = %.17g, gonum %.17g: more than 4e-13 apart", t975Exact+1, got, q)
	}
}

func TestT975Table(t *testing.T) {
	// The table is gonum's StudentsT.Quantile(0.975) for ν = 1 … 300,
	// written once with -update; on any machine, gonum agrees with it to
	// 1e-14 relative (exactly, on the machine that wrote it).
	var b strings.Builder
	b.WriteString("// Code generated by TestT975Table with -update; DO NOT EDIT.\n\npackage report\n\n")
	b.WriteString("// t975Table[ν] is the 0.975 quantile of Student's t with ν degrees of\n// freedom, from gonum's StudentsT.Quantile; see t975.\n")
	fmt.Fprintf(&b, "var t975Table = [t975Exact + 1]float64{\n\t0: math.NaN(),\n")
	for nu := 1; nu <= t975Exact; nu++ {
		q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(nu)}.Quantile(0.975)
		fmt.Fprintf(&b, "\t%d: %s,\n", nu, strconv.FormatFloat(q, 'g', -1, 64))
		if !*update && math.Abs(t975Table[nu]-q) > 1e-14*q {
			t.Errorf("t975Table[%d] = %.17g, gonum %.17g", nu, t975Table[nu], q)
		}
	}
	b.WriteString("}\n")
	if *update {
		src, err := format.Source([]byte(strings.Replace(b.String(), "package report\n\n", "package report\n\nimport \"math\"\n\n", 1)))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("t975_table.go", src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestT975SameBitsEverywhere(t *testing.T) {
	// The bits t975 gives on linux/amd64 and with GOARCH=386 on the same
	// machine; gonum's quantile gave other bits with GOARCH=386 (it reaches
	// math.Exp's assembly on amd64), which changed every interval.
	for _, tc := range []struct {
		df   float64
		bits uint64
	}{
		{7, 0x4002eac01e9f5b1c},
		{301, 0x3fff7c6c1a06fcbe},
		{1e6, 0x3fff5c05aebc6e00},
	} {
		if b := math.Float64bits(t975(tc.df)); b != tc.bits {
			t.Errorf("t975(%g) = %.17g (%#016x), want %#016x", tc.df, t975(tc.df), b, tc.bits)
		}
	}
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
