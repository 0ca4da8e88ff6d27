package report

import (
	"math"
	"testing"
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
			me, ci := formatEstimate(Stat{Mean: test.mean, StdErr: test.se, CILow: test.lo, CIHigh: test.hi})
			if me != test.wantMean || ci != test.wantCI {
				t.Errorf("formatEstimate = %q, %q, want %q, %q", me, ci, test.wantMean, test.wantCI)
			}
		})
	}
}
