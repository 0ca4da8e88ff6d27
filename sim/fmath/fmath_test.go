package fmath

import (
	"math"
	"testing"

	"github.com/simrun/simrun/sim/rng"
)

func ulps(a, b float64) int64 {
	d := int64(math.Float64bits(a)) - int64(math.Float64bits(b))
	if d < 0 {
		d = -d
	}
	return d
}

func TestExpLog(t *testing.T) {
	// Reference: the math package. Where it dispatches to assembly (amd64,
	// arm64, s390x) its algorithm differs from the pure-Go one ported here;
	// each has an error below 1 ulp, so they may differ by up to 2 ulps.
	r := rng.FromSeed(1)
	for range 200_000 {
		x := (r.Float64() - 0.5) * 1400 // covers the whole finite range of exp
		if d := ulps(Exp(x), math.Exp(x)); d > 2 {
			t.Fatalf("Exp(%v) = %v, math.Exp = %v: %d ulps apart", x, Exp(x), math.Exp(x), d)
		}
		y := math.Exp((r.Float64() - 0.5) * 1400)
		if d := ulps(Log(y), math.Log(y)); d > 2 {
			t.Fatalf("Log(%v) = %v, math.Log = %v: %d ulps apart", y, Log(y), math.Log(y), d)
		}
	}
	for _, tc := range []struct{ x, exp float64 }{
		{0, 1}, {1, math.E}, {-1000, 0}, {1000, math.Inf(1)}, {math.Inf(-1), 0},
	} {
		if got := Exp(tc.x); got != tc.exp {
			t.Errorf("Exp(%v) = %v, want %v", tc.x, got, tc.exp)
		}
	}
	if Log(1) != 0 || !math.IsInf(Log(0), -1) || !math.IsNaN(Log(-1)) || Log(math.E) != 1 {
		t.Errorf("Log special values: log 1 = %v, log 0 = %v, log −1 = %v, log e = %v", Log(1), Log(0), Log(-1), Log(math.E))
	}
}

func TestPow10(t *testing.T) {
	// Integral exponents: exact up to 10^22 (every such power is a float64),
	// and math.Pow10 beyond.
	p := 1.0
	for n := 0; n <= 22; n++ {
		if got := Pow10(float64(n)); got != p {
			t.Errorf("Pow10(%d) = %v, want %v exactly", n, got, p)
		}
		if got := Pow10(float64(-n)); got != math.Pow10(-n) {
			t.Errorf("Pow10(%d) = %v, want %v", -n, got, math.Pow10(-n))
		}
		p *= 10
	}
	// Fractional exponents: within 8 ulps of math.Pow in the range sweeps
	// use (the roundings of f·ln 10, Exp, 10^⌊x⌋ and the product, against
	// math.Pow's own error), and within 1e-14 relative anywhere.
	r := rng.FromSeed(2)
	for range 100_000 {
		x := (r.Float64() - 0.5) * 44
		if d := ulps(Pow10(x), math.Pow(10, x)); d > 8 {
			t.Fatalf("Pow10(%v) = %v, math.Pow(10, x) = %v: %d ulps apart", x, Pow10(x), math.Pow(10, x), d)
		}
		x = (r.Float64() - 0.5) * 600
		if want := math.Pow(10, x); math.Abs(Pow10(x)-want) > 1e-14*want {
			t.Fatalf("Pow10(%v) = %v, math.Pow(10, x) = %v", x, Pow10(x), want)
		}
	}
	if !math.IsNaN(Pow10(math.NaN())) || !math.IsInf(Pow10(500), 1) || Pow10(-500) != 0 || !math.IsInf(Pow10(math.Inf(1)), 1) {
		t.Errorf("Pow10 special values: NaN %v, 500 %v, −500 %v, +Inf %v", Pow10(math.NaN()), Pow10(500), Pow10(-500), Pow10(math.Inf(1)))
	}
}

func TestSameBitsEverywhere(t *testing.T) {
	// The bits these functions give on linux/amd64 with FMA, and with
	// GOARCH=386 on the same machine (no assembly, no FMA); any other
	// machine must give them too. Pow10 gives the values of a logspace
	// sweep, where a last-bit difference would change a point's key and so
	// its random streams.
	for _, tc := range []struct {
		name string
		got  float64
		bits uint64
	}{
		{"Exp(0.5)", Exp(0.5), 0x3ffa61298e1e069c},
		{"Exp(-7.25)", Exp(-7.25), 0x3f47455fe323fafe},
		{"Log(3)", Log(3), 0x3ff193ea7aad030a},
		{"Pow10(0.5)", Pow10(0.5), 0x40094c583ada5b54},
		{"Pow10(2.25)", Pow10(2.25), 0x40663a7e7e21d784},
		{"Pow10(-3.75)", Pow10(-3.75), 0x3f274eea61c12624},
	} {
		if b := math.Float64bits(tc.got); b != tc.bits {
			t.Errorf("%s = %v (%#016x), want %#016x", tc.name, tc.got, b, tc.bits)
		}
	}
}

func TestIsFinite(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want bool
	}{
		{0, true}, {-1, true}, {math.MaxFloat64, true}, {-math.MaxFloat64, true}, {math.SmallestNonzeroFloat64, true},
		{math.Inf(1), false}, {math.Inf(-1), false}, {math.NaN(), false},
	} {
		if got := IsFinite(tc.x); got != tc.want {
			t.Errorf("IsFinite(%v) = %t, want %t", tc.x, got, tc.want)
		}
	}
}
