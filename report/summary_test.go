package report

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

func TestFormatEstimate(t *testing.T) {
	// The rule: two significant digits of the standard error, the mean and
	// interval to the same decimal place; scientific notation outside
	// [1e-3, 1e6). Expected strings written by hand from that rule.
	nan := math.NaN()
	for _, test := range []struct {
		name             string
		mean, se, lo, hi float64
		wantMean, wantCI string
	}{
		{name: "typical", mean: 1.23456789, se: 0.0012345, lo: 1.2318, hi: 1.2373, wantMean: "1.2346 ± 0.0012", wantCI: "[1.2318, 1.2373]"},
		{name: "stderr rounds up", mean: 0.5, se: 0.0999, lo: 0.3, hi: 0.7, wantMean: "0.500 ± 0.100", wantCI: "[0.300, 0.700]"},
		{name: "large stderr", mean: 12345.6, se: 150, lo: 12000, hi: 12700, wantMean: "12346 ± 150", wantCI: "[12000, 12700]"},
		{name: "negative", mean: -3, se: 0.25, lo: -3.5, hi: -2.5, wantMean: "-3.00 ± 0.25", wantCI: "[-3.50, -2.50]"},
		{name: "small", mean: 2.5e-5, se: 1.2e-6, lo: 2.3e-5, hi: 2.7e-5, wantMean: "(2.50 ± 0.12)e-05", wantCI: "[2.30e-05, 2.70e-05]"},
		{name: "huge", mean: 6.02e23, se: 4e21, lo: 5.9e23, hi: 6.1e23, wantMean: "(6.020 ± 0.040)e+23", wantCI: "[5.900e+23, 6.100e+23]"},
		{name: "tiny stderr", mean: 1, se: 1e-300, lo: 1, hi: 1, wantMean: "1.0000000000000000 ± 0.0000000000000000", wantCI: "[1.0000000000000000, 1.0000000000000000]"},
		{name: "no stderr", mean: 1.23456789, se: nan, lo: nan, hi: nan, wantMean: "1.23457 ± NaN", wantCI: "-"},
		{name: "zero stderr", mean: 0.1, se: 0, lo: 0.1, hi: 0.1, wantMean: "0.1 ± 0", wantCI: "[0.1, 0.1]"},
		{name: "NaN mean", mean: nan, se: nan, lo: nan, hi: nan, wantMean: "NaN ± NaN", wantCI: "-"},
	} {
		t.Run(test.name, func(t *testing.T) {
			me, ci := formatEstimate(stats.Stat{Mean: test.mean, StdErr: test.se, CILow: test.lo, CIHigh: test.hi})
			if me != test.wantMean || ci != test.wantCI {
				t.Errorf("formatEstimate = %q, %q, want %q, %q", me, ci, test.wantMean, test.wantCI)
			}
		})
	}
}

// sweepResults has n points of one swept parameter w, each warning "u: 1
// sample", and point 7 also warning "u: odd".
func sweepResults(n int) *Results {
	specs := []sim.ParamSpec{{Name: "w", Kind: sim.Int}}
	r := &Results{Provenance: Provenance{Experiment: "sweep", Kernel: "spin"}}
	for i := range n {
		p := PointResult{
			Index:    int64(i),
			Params:   sim.NewParams(specs, []sim.Value{sim.IntValue(int64(i + 1))}),
			Stats:    []stats.Stat{{Observable: "u", N: 1, Chunks: 1, Mean: 0.5, Variance: math.NaN(), StdErr: math.NaN(), CILow: math.NaN(), CIHigh: math.NaN(), Min: 0.5, Max: 0.5}},
			Warnings: []string{"u: 1 sample"},
		}
		if i == 7 {
			p.Warnings = append(p.Warnings, "u: odd")
		}
		r.Points = append(r.Points, p)
	}
	return r
}

func TestSummaryOfALargeSweep(t *testing.T) {
	for _, tc := range []struct {
		name  string
		n     int
		rows  int      // table rows shown
		lines []string // lines the summary must have
		not   []string // substrings it must not have
	}{
		{"3 points: every warning on its own", 3, 3,
			[]string{"3 warnings:", "  point 0 (w=1): u: 1 sample", "  point 2 (w=3): u: 1 sample"}, []string{"more"}},
		{"4 points: a shared warning once", 4, 4,
			[]string{"4 warnings:", "  4 points: u: 1 sample (point 0 (w=1), point 1 (w=2) and 2 more)"}, []string{"point 3 (w=4): u"}},
		{"100 points: the whole table", 100, 100,
			[]string{"101 warnings:", "  100 points: u: 1 sample (point 0 (w=1), point 1 (w=2) and 98 more)", "  point 7 (w=8): u: odd"}, []string{"more points"}},
		{"150 points: the first 50", 150, 50,
			[]string{"... and 100 more points: every point is in results.csv and results.parquet", "151 warnings:"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := Summary(&b, sweepResults(tc.n)); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			lines := strings.Split(out, "\n")
			rows := 0
			for _, l := range lines {
				if strings.Contains(l, "± NaN") { // a table row
					rows++
				}
			}
			if rows != tc.rows {
				t.Errorf("%d table rows, want %d:\n%s", rows, tc.rows, out)
			}
			for _, want := range tc.lines {
				if !slices.Contains(lines, want) {
					t.Errorf("no line %q in:\n%s", want, out)
				}
			}
			for _, bad := range tc.not {
				if strings.Contains(out, bad) {
					t.Errorf("summary has %q:\n%s", bad, out)
				}
			}
		})
	}
	// The report keeps every point, with the warnings grouped the same way.
	var b strings.Builder
	if err := WriteMarkdown(&b, sweepResults(150), "", nil); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(b.String(), "\n| "); got < 150 {
		t.Errorf("report.md has %d table rows, want every one of the 150 points", got)
	}
	if !strings.Contains(b.String(), "- 150 points: u: 1 sample (point 0 (w=1), point 1 (w=2) and 148 more)\n") {
		t.Errorf("report.md lacks the grouped warning:\n%s", b.String())
	}
}

func TestSummaryAdaptive(t *testing.T) {
	// The points of a larger sweep of which Results holds the first two.
	firstTwo := func() *Results {
		r := adaptiveResults()
		d := NewDigest()
		for _, p := range r.Points {
			if err := d.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		r.Points, r.PointsOmitted, r.Digest = r.Points[:2], 2, d
		return r
	}
	// One point of one statistic, without its target after one round.
	onePoint := func() *Results {
		r := sweepResults(1)
		r.Points[0].Precision = &stats.Precision{Done: true, Chunks: 1, Samples: 1, Rounds: 1,
			Targets: []stats.TargetOutcome{{Stat: "u", StdErrMax: 0.1}}}
		return r
	}
	// Three points that reached their target with unequal samples.
	unequal := func() *Results {
		r := sweepResults(3)
		for i, n := range []int64{10000, 2000, 1000} {
			r.Points[i].Precision = &stats.Precision{Done: true, Chunks: n / 100, Samples: n, Rounds: 2, Reached: true,
				Targets: []stats.TargetOutcome{{Stat: "u", StdErrMax: 0.1, Reached: true}}}
		}
		return r
	}
	for _, tc := range []struct {
		name    string
		results *Results
		lines   []string // lines the summary must have
		not     []string // substrings it must not have
	}{
		{name: "fixed budget: no target column", results: testResults(),
			lines: []string{"point  L   T    observable  mean ± stderr              95% CI                        samples"},
			not:   []string{"target", "adaptive", "reached"}},
		{name: "targets reached and not", results: adaptiveResults(), lines: []string{
			"point  L   T    observable  mean ± stderr              95% CI                        samples  target",
			"0      8   2    energy      -1.7456 ± 0.0012           [-1.7484, -1.7428]            10000    reached, 3 rounds",
			"0      8   2    spans       (0.1 ± 1.6)e-06            [-3.0e-06, 3.2e-06]           40000",
			"1      8   2.5  energy      -1.106 ± 0.021             [-1.154, -1.059]              10000    reached, 1 round",
			"2      16  2    energy      -1.746 ± NaN               -                             1000     not reached, 9 rounds",
			"3      16  2.5  energy      (1.234568 ± 0.000012)e+08  [1.234540e+08, 1.234596e+08]  10000    not reached, 4 rounds",
			"3      16  2.5  spans       0.5 ± 0                    [0.5, 0.5]                    40000    reached, 4 rounds",
			"adaptive: 2 of 4 points reached their targets, with 31000 samples in all",
		}},
		{name: "the first points of a larger sweep", results: firstTwo(), lines: []string{
			"adaptive: 2 of the first 2 points reached their targets, with 20000 samples in all",
		}},
		{name: "all reached: the fixed budget it saves", results: unequal(), lines: []string{
			"adaptive: 3 of 3 points reached their targets, with 13000 samples in all, against 30000 for every point at the 10000 the most costly one needed (2.3×)",
		}},
		{name: "one point", results: onePoint(), lines: []string{
			"point  observable  mean ± stderr  95% CI  samples  target",
			"0      u           0.5 ± NaN      -       1        not reached, 1 round",
			"adaptive: 0 of 1 point reached its targets, with 1 sample in all",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := Summary(&b, tc.results); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			lines := strings.Split(out, "\n")
			for _, want := range tc.lines {
				if !slices.Contains(lines, want) {
					t.Errorf("no line %q in:\n%s", want, out)
				}
			}
			for _, bad := range tc.not {
				if strings.Contains(out, bad) {
					t.Errorf("summary has %q:\n%s", bad, out)
				}
			}
			for _, l := range lines {
				if strings.HasSuffix(l, " ") {
					t.Errorf("line %q ends in a space", l)
				}
			}
		})
	}
}
