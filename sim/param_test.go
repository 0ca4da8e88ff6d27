package sim

import (
	"math"
	"testing"
)

func TestRange(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		name string
		r    Range
		str  string
		in   []float64
		out  []float64
	}{
		{"closed", Range{Min: 2, Max: 4096}, "[2, 4096]", []float64{2, 3, 4096}, []float64{1, 4097}},
		{"positive", Range{Min: 0, Max: inf, MinOpen: true}, "(0, +inf)", []float64{math.SmallestNonzeroFloat64, 1e300}, []float64{0, -1}},
		{"half-open", Range{Min: 0, Max: 1, MaxOpen: true}, "[0, 1)", []float64{0, 0.5}, []float64{1, -0.1}},
		{"unbounded", Range{Min: -inf, Max: inf}, "(-inf, +inf)", []float64{-1e308, 0, 1e308}, nil},
		{"large whole numbers in full", Range{Min: 0, Max: 1 << 40}, "[0, 1099511627776]", []float64{1 << 40}, []float64{1<<40 + 1}},
		{"fractions", Range{Min: 1e-6, Max: 0.5}, "[1e-06, 0.5]", []float64{1e-6}, []float64{1e-7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			for _, f := range tc.in {
				if !tc.r.Contains(f) {
					t.Errorf("%s does not contain %g", tc.str, f)
				}
			}
			for _, f := range tc.out {
				if tc.r.Contains(f) {
					t.Errorf("%s contains %g", tc.str, f)
				}
			}
		})
	}
}

func TestFormatFloat(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    float64
		want string
	}{
		// The expected strings are strconv.FormatFloat(f, 'g', -1, 64),
		// the shortest decimal that reads back as f.
		{"whole", 2, "2"},
		{"fraction", 0.1, "0.1"},
		{"shortest round trip", math.Nextafter(0.3, 1), "0.30000000000000004"},
		{"small exponent", 2.5e-8, "2.5e-08"},
		{"large exponent", 1e21, "1e+21"},
		{"negative zero", math.Copysign(0, -1), "-0"},
		{"infinity", math.Inf(-1), "-Inf"},
		{"not a number", math.NaN(), "NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatFloat(tc.f); got != tc.want {
				t.Errorf("FormatFloat(%v) = %q, want %q", tc.f, got, tc.want)
			}
			if got := FloatValue(tc.f).String(); got != tc.want {
				t.Errorf("FloatValue(%v).String() = %q, want FormatFloat's %q", tc.f, got, tc.want)
			}
		})
	}
}

func BenchmarkKey(b *testing.B) {
	specs := []ParamSpec{{Name: "S0", Kind: Float}, {Name: "K", Kind: Float}, {Name: "r", Kind: Float}, {Name: "sigma", Kind: Float}, {Name: "T", Kind: Float}, {Name: "antithetic", Kind: Bool}}
	p := NewParams(specs, []Value{FloatValue(100), FloatValue(50.01000100010001), FloatValue(0.05), FloatValue(0.2), FloatValue(1), BoolValue(true)})
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Key()
	}
}

func TestValueSame(t *testing.T) {
	nan2 := math.Float64frombits(math.Float64bits(math.NaN()) ^ 1)
	for _, tc := range []struct {
		name string
		a, b Value
		want bool
	}{
		{"equal ints", IntValue(3), IntValue(3), true},
		{"other ints", IntValue(3), IntValue(4), false},
		{"int and float", IntValue(3), FloatValue(3), false},
		{"zero and minus zero", FloatValue(0), FloatValue(math.Copysign(0, -1)), false},
		{"two NaNs", FloatValue(math.NaN()), FloatValue(nan2), true},
		{"NaN and a number", FloatValue(math.NaN()), FloatValue(1), false},
		{"bools", BoolValue(true), BoolValue(false), false},
		{"strings", StringValue("a"), StringValue("a"), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Same(tc.b); got != tc.want {
				t.Errorf("%v.Same(%v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			// Same is equality of the canonical form.
			if (tc.a.String() == tc.b.String() && tc.a.Kind == tc.b.Kind) != tc.want {
				t.Errorf("String: %q and %q disagree with Same", tc.a, tc.b)
			}
		})
	}
}
