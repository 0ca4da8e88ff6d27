package main

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestConfigurations loads each configuration's experiment, adaptive and
// fixed, as the command writes them.
func TestConfigurations(t *testing.T) {
	ids := map[string]bool{}
	for _, cf := range configurations() {
		t.Run(cf.id, func(t *testing.T) {
			if ids[cf.id] {
				t.Fatalf("id %q repeats", cf.id)
			}
			ids[cf.id] = true
			for _, tc := range []struct {
				name     string
				samples  int64
				adaptive bool
			}{
				{"adaptive", 0, true},
				{"fixed", 10 * cf.chunkSize, false},
			} {
				file := filepath.Join(t.TempDir(), tc.name+".toml")
				if err := os.WriteFile(file, []byte(cf.file(1, tc.samples)), 0o644); err != nil {
					t.Fatal(err)
				}
				e, err := en.Load(file)
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				if got := e.Budget.Adaptive(); got != tc.adaptive {
					t.Errorf("%s: Adaptive() = %v, want %v", tc.name, got, tc.adaptive)
				}
				if got, want := e.NumPoints(), int64(len(cf.strikes)); got != want {
					t.Errorf("%s: %d points, want %d strikes", tc.name, got, want)
				}
			}
		})
	}
}

func TestHeading(t *testing.T) {
	for _, tc := range []struct {
		name    string
		strikes []float64
		want    string
	}{
		{"one", []float64{100}, "T: K = 100"},
		{"two", []float64{150, 160}, "T: K = 150 and 160"},
		{"three", []float64{149.5, 150, 150.5}, "T: K = 149.5, 150 and 150.5"},
	} {
		cf := configuration{title: "T", strikes: tc.strikes}
		if got := cf.heading(); got != tc.want {
			t.Errorf("%s: heading() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPairedDiff(t *testing.T) {
	// 10 pairs, 3 covered by the first only, 1 by the second only: the
	// differences are 3 × (+1), 1 × (−1) and 6 × 0, of mean 0.2 and sum of
	// squared deviations 4 − 10·0.2² = 3.6; the standard error of the mean,
	// with n in the denominator of the variance, is √3.6/10 (hand computed).
	d, se := pairedDiff(3, 1, 10)
	if math.Abs(d-0.2) > 1e-15 || math.Abs(se-math.Sqrt(3.6)/10) > 1e-15 {
		t.Errorf("pairedDiff(3, 1, 10) = %v, %v; want 0.2, √3.6/10", d, se)
	}
}
