package figure

import (
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
)

// labelled returns the values and labels of the labelled ticks.
func labelled(ticks []plot.Tick) ([]float64, []string) {
	var vs []float64
	var ls []string
	for _, t := range ticks {
		if t.Label != "" {
			vs = append(vs, t.Value)
			ls = append(ls, t.Label)
		}
	}
	return vs, ls
}

func TestLinearTicks(t *testing.T) {
	for _, tt := range []struct {
		name     string
		min, max float64
		most     int
		values   []float64
		labels   []string
		minors   int // minor ticks, over the whole range
	}{
		{name: "unit", min: 0, max: 1, values: []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, labels: []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}, minors: 15},
		{name: "unit with margins", min: -0.05, max: 1.05, values: []float64{0, 0.2, 0.4, 0.6, 0.8, 1}, labels: []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}, minors: 17},
		// The odd values: 0.05/0.25/0.45/0.65 become tenths.
		{name: "odd offset", min: 0.05, max: 0.65, values: []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}, labels: []string{"0.1", "0.2", "0.3", "0.4", "0.5", "0.6"}, minors: 24},
		{name: "ising T", min: 1.4, max: 3.6, values: []float64{1.5, 2, 2.5, 3, 3.5}, labels: []string{"1.5", "2.0", "2.5", "3.0", "3.5"}, minors: 18},
		{name: "strike", min: 56, max: 144, values: []float64{60, 80, 100, 120, 140}, labels: []string{"60", "80", "100", "120", "140"}, minors: 12},
		{name: "symmetric", min: -1.05, max: 1.05, values: []float64{-1, -0.5, 0, 0.5, 1}, labels: []string{"−1.0", "−0.5", "0.0", "0.5", "1.0"}, minors: 16},
		// gonum's default labels this range 3.14 three times.
		{name: "narrow", min: 3.1405, max: 3.1425, values: []float64{3.1405, 3.141, 3.1415, 3.142, 3.1425}, labels: []string{"3.1405", "3.1410", "3.1415", "3.1420", "3.1425"}, minors: 16},
		{name: "millions", min: 0, max: 8e6, values: []float64{0, 2e6, 4e6, 6e6, 8e6}, labels: []string{"0", "2e6", "4e6", "6e6", "8e6"}, minors: 12},
		{name: "micro", min: 0, max: 4.2e-6, values: []float64{0, 1e-6, 2e-6, 3e-6, 4e-6}, labels: []string{"0", "1e−6", "2e−6", "3e−6", "4e−6"}, minors: 17},
		{name: "residuals", min: -3.3, max: 3.3, most: 5, values: []float64{-2, 0, 2}, labels: []string{"−2", "0", "2"}, minors: 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ticks := linearTicks{max: tt.most}.Ticks(tt.min, tt.max)
			vs, ls := labelled(ticks)
			if !slices.EqualFunc(vs, tt.values, func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }) {
				t.Errorf("values %v, want %v", vs, tt.values)
			}
			if !slices.Equal(ls, tt.labels) {
				t.Errorf("labels %q, want %q", ls, tt.labels)
			}
			if n := len(ticks) - len(vs); n != tt.minors {
				t.Errorf("%d minor ticks, want %d", n, tt.minors)
			}
			for _, tk := range ticks {
				if tk.Value < tt.min-1e-12 || tk.Value > tt.max+1e-12 {
					t.Errorf("tick %v outside [%v, %v]", tk.Value, tt.min, tt.max)
				}
			}
		})
	}
}

// TestLinearTicksCount: on ranges of every size and offset, 3 to 8
// labelled ticks at a 1-2-5 step, labels all different.
func TestLinearTicksCount(t *testing.T) {
	for _, span := range []float64{1e-9, 0.003, 0.7, 1, 1.9, 2.5, 3.3, 7, 9.99, 16.5, 43, 1e5, 3e12} {
		for _, off := range []float64{-3.7, -0.5, 0, 0.123, 1, 1e3} {
			min := off * span
			vs, ls := labelled(linearTicks{}.Ticks(min, min+span))
			if len(vs) < 3 || len(vs) > defaultMaxTicks {
				t.Errorf("[%g, %g]: %d ticks %v", min, min+span, len(vs), vs)
				continue
			}
			d := (vs[1] - vs[0]) / math.Pow10(int(math.Floor(math.Log10(vs[1]-vs[0]))))
			if m := math.Round(d); math.Abs(d-m) > 1e-6 || (m != 1 && m != 2 && m != 5) {
				t.Errorf("[%g, %g]: step %g is not 1, 2 or 5 × 10^k", min, min+span, vs[1]-vs[0])
			}
			seen := map[string]bool{}
			for _, l := range ls {
				if seen[l] {
					t.Errorf("[%g, %g]: label %q twice in %q", min, min+span, l, ls)
				}
				seen[l] = true
			}
		}
	}
}

func TestLogTicks(t *testing.T) {
	for _, tt := range []struct {
		name     string
		min, max float64
		labels   []string
		minors   int
	}{
		// gonum's LogTicks left the first decade unlabelled.
		{name: "first decade", min: 0.05, max: 20, labels: []string{"0.1", "1", "10"}, minors: 5 + 8 + 8 + 1},
		{name: "pi convergence n", min: 0.56, max: 1.8e5, labels: []string{"1", "10", "100", "1000", "10000", "100000"}, minors: 4 + 5*8 + 0},
		{name: "pi convergence sd", min: 3.8e-3, max: 2.3, labels: []string{"0.01", "0.1", "1"}, minors: 6 + 8 + 8 + 1},
		{name: "exponents", min: 3e-7, max: 2e-5, labels: []string{"1e−6", "1e−5"}, minors: 7 + 8 + 1},
		{name: "one decade inside", min: 0.8, max: 5, labels: []string{"1", "2", "5"}, minors: 2 + 2},
		{name: "two of 1-2-5 inside", min: 1.87, max: 7.5, labels: []string{"2", "3", "4", "5", "6", "7"}, minors: 0},
		{name: "no 1-2-5 inside", min: 2.1, max: 4.5, labels: []string{"3", "4"}, minors: 0},
		{name: "narrow", min: 2.1, max: 2.9, labels: []string{"2.2", "2.4", "2.6", "2.8"}, minors: 13},
		{name: "many decades", min: 1e-10, max: 1e10, labels: []string{"1e−9", "1e−6", "0.001", "1", "1000", "1e6", "1e9"}, minors: 21 - 7},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ticks := logTicks{}.Ticks(tt.min, tt.max)
			vs, ls := labelled(ticks)
			if !slices.Equal(ls, tt.labels) {
				t.Errorf("labels %q, want %q", ls, tt.labels)
			}
			if len(ls) < 2 {
				t.Errorf("%d labels, want at least 2", len(ls))
			}
			if n := len(ticks) - len(vs); n != tt.minors {
				t.Errorf("%d minor ticks, want %d", n, tt.minors)
			}
			for _, tk := range ticks {
				if tk.Value < tt.min*(1-1e-9) || tk.Value > tt.max*(1+1e-9) {
					t.Errorf("tick %v outside [%v, %v]", tk.Value, tt.min, tt.max)
				}
			}
		})
	}
}

func TestTicksInvalidRange(t *testing.T) {
	for _, tt := range []struct {
		name     string
		min, max float64
	}{
		{"empty", 1, 1}, {"reversed", 2, 1}, {"infinite", 0, math.Inf(1)}, {"NaN", math.NaN(), 1},
	} {
		if ticks := (linearTicks{}).Ticks(tt.min, tt.max); ticks != nil {
			t.Errorf("%s linear: %v, want none", tt.name, ticks)
		}
		if ticks := (logTicks{}).Ticks(tt.min, tt.max); ticks != nil {
			t.Errorf("%s log: %v, want none", tt.name, ticks)
		}
	}
	if ticks := (logTicks{}).Ticks(-1, 10); ticks != nil {
		t.Errorf("log axis from −1: %v, want none", ticks)
	}
}

func TestPadRange(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(1, math.Abs(b)) }
	for _, tt := range []struct {
		name           string
		lo, hi         float64
		log, lowFixed  bool
		wantLo, wantHi float64
	}{
		{name: "linear", lo: 0, hi: 1, wantLo: -0.05, wantHi: 1.05},
		{name: "histogram counts", lo: 0, hi: 40, lowFixed: true, wantLo: 0, wantHi: 42},
		{name: "log", lo: 1, hi: 1e4, log: true, wantLo: math.Pow(10, -0.2), wantHi: math.Pow(10, 4.2)},
		{name: "single value", lo: 2, hi: 2, wantLo: 2 - 0.2 - 0.02, wantHi: 2.2 + 0.02},
		{name: "single zero", lo: 0, hi: 0, wantLo: -1.1, wantHi: 1.1},
		{name: "no data", lo: math.Inf(1), hi: math.Inf(-1), wantLo: 0, wantHi: 1},
		{name: "no data log", lo: math.Inf(1), hi: math.Inf(-1), log: true, wantLo: 1, wantHi: 10},
	} {
		lo, hi := padRange(tt.lo, tt.hi, tt.log, tt.lowFixed)
		if !near(lo, tt.wantLo) || !near(hi, tt.wantHi) {
			t.Errorf("%s: [%v, %v], want [%v, %v]", tt.name, lo, hi, tt.wantLo, tt.wantHi)
		}
	}
}

func TestExpLabel(t *testing.T) {
	for _, tt := range []struct {
		v    float64
		prec int
		want string
	}{
		{2.5e6, 2, "2.5e6"}, {1e-7, 1, "1e−7"}, {-3e9, 1, "−3e9"}, {0, 3, "0"}, {1.20e6, 3, "1.2e6"},
	} {
		if got := expLabel(tt.v, tt.prec); got != tt.want || strings.Contains(got, "+") {
			t.Errorf("expLabel(%v, %d) = %q, want %q", tt.v, tt.prec, got, tt.want)
		}
	}
}
