package report

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

// TestMarkdownOfALargeSweep: a report of more than mdPoints points lists
// the first mdHead and an overview of all of them, not every row.
func TestMarkdownOfALargeSweep(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n        int
		rows     int
		overview bool
	}{
		{"1000 points: every row", 1000, 1000, false},
		{"1001 points: the first 100 and an overview", 1001, 100, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := sweepResults(tc.n)
			// Means 0.5 + i/1000 and standard errors growing to the last
			// point, so that the overview has a range and a worst point.
			for i := range r.Points {
				s := &r.Points[i].Stats[0]
				s.Mean, s.StdErr, s.N = 0.5+float64(i)/1000, float64(i+1)/1e4, int64(10+i%7)
			}
			var b strings.Builder
			if err := WriteMarkdown(&b, r, "", nil); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			rows := len(resultRow.FindAllString(out, -1))
			if rows != tc.rows {
				t.Errorf("%d result rows, want %d", rows, tc.rows)
			}
			overview := "| u | 1001 | 0.5 | 1.5 | 0.1001 | 1000 | 10 |"
			if got := strings.Contains(out, overview); got != tc.overview {
				t.Errorf("overview line %q present: %v, want %v:\n%s", overview, got, tc.overview, tail(out, 12))
			}
			if tc.overview && !strings.Contains(out, "The first 100 of 1001 points; every point is in results.csv and results.parquet.") {
				t.Errorf("the report does not say where the other points are:\n%s", tail(out, 12))
			}
		})
	}
}

// resultRow is a row of the results table: point, w, observable.
var resultRow = regexp.MustCompile(`(?m)^\| \d+ \| \d+ \| u \|`)

// TestOverviewNaN: NaN means are left out of the range and said.
func TestOverviewNaN(t *testing.T) {
	specs := []sim.ParamSpec{{Name: "w", Kind: sim.Int}}
	r := &Results{}
	for i, m := range []float64{math.NaN(), 2, 1} {
		r.Points = append(r.Points, PointResult{Index: int64(i), Params: sim.NewParams(specs, []sim.Value{sim.IntValue(int64(i))}),
			Stats: []stats.Stat{{Observable: "u", N: 5, Mean: m, StdErr: 0.1}}})
	}
	d, err := r.digest()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	writeOverview(&errWriter{w: &b}, d)
	for _, want := range []string{"| u | 3 | 1 | 2 | 0.1 | 1 | 5 |", "Some means are NaN, the first at point 0."} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("overview lacks %q:\n%s", want, b.String())
		}
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func TestMarkdownAdaptive(t *testing.T) {
	for _, tc := range []struct {
		name    string
		results *Results
		lines   []string // lines the report must have
		not     []string // substrings it must not have
	}{
		{name: "fixed budget: no target column", results: testResults(),
			lines: []string{"| point | L | T | observable | mean ± stderr | 95% CI | samples | chunks | method |"},
			not:   []string{"target", "reached"}},
		{name: "targets reached and not", results: adaptiveResults(), lines: []string{
			"| point | L | T | observable | mean ± stderr | 95% CI | samples | target | chunks | method |",
			"|---|---|---|---|---|---|---|---|---|---|",
			"| 0 | 8 | 2 | energy | -1.7456 ± 0.0012 | [-1.7484, -1.7428] | 10000 | reached, 3 rounds | 10 | batch-means |",
			"| 0 | 8 | 2 | spans | (0.1 ± 1.6)e-06 | [-3.0e-06, 3.2e-06] | 40000 |  | 10 | iid |",
			"| 2 | 16 | 2 | energy | -1.746 ± NaN | - | 1000 | not reached, 9 rounds | 1 | batch-means |",
			"| 3 | 16 | 2.5 | spans | 0.5 ± 0 | [0.5, 0.5] | 40000 | reached, 4 rounds | 10 | iid |",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteMarkdown(&b, tc.results, "", nil); err != nil {
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
					t.Errorf("report has %q:\n%s", bad, out)
				}
			}
		})
	}
}
