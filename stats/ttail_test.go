package stats

import (
	"math"
	"testing"
)

// tailClosedForm is P(|T| ≥ x) for an integer ν from the finite series of
// Abramowitz and Stegun 26.7.3 (ν odd) and 26.7.4 (ν even), with
// θ = atan(x/√ν): a reference independent of the incomplete beta.
func tailClosedForm(x float64, nu int) float64 {
	th := math.Atan(x / math.Sqrt(float64(nu)))
	s, c := math.Sin(th), math.Cos(th)
	var a float64
	if nu%2 == 1 {
		// A = (2/π)(θ + sinθ (cosθ + (2/3)cos³θ + … + (2·4⋯(ν−3))/(1·3⋯(ν−2)) cos^(ν−2)θ))
		var sum float64
		if nu > 1 {
			term := c
			sum = term
			for k := 3; k <= nu-2; k += 2 {
				term *= float64(k-1) / float64(k) * c * c
				sum += term
			}
		}
		a = 2 / math.Pi * (th + s*sum)
	} else {
		// A = sinθ (1 + ½cos²θ + (1·3)/(2·4)cos⁴θ + … + (1·3⋯(ν−3))/(2·4⋯(ν−2)) cos^(ν−2)θ)
		term, sum := 1.0, 1.0
		for k := 2; k <= nu-2; k += 2 {
			term *= float64(k-1) / float64(k) * c * c
			sum += term
		}
		a = s * sum
	}
	return 1 - a
}

func TestTailProb(t *testing.T) {
	// References: exact closed forms for ν = 1 (Cauchy, 1 − (2/π)atan x)
	// and ν = 2 (1 − x/√(2+x²)), and the normal erfc(x/√2); two values of
	// I_{ν/(ν+x²)}(ν/2, 1/2) from mpmath 1.3's betainc at 40 digits.
	// Tolerance 1e-12 relative.
	for _, test := range []struct {
		name  string
		x, df float64
		want  float64
	}{
		{name: "cauchy x=3", x: 3, df: 1, want: 1 - 2/math.Pi*math.Atan(3)},
		{name: "cauchy x=-0.5", x: -0.5, df: 1, want: 1 - 2/math.Pi*math.Atan(0.5)},
		{name: "nu=2 x=3", x: 3, df: 2, want: 1 - 3/math.Sqrt(11)},
		{name: "nu=2 x=100", x: 100, df: 2, want: 1 - 100/math.Sqrt(10002)},
		{name: "normal x=3", x: 3, df: math.Inf(1), want: math.Erfc(3 / math.Sqrt2)},
		{name: "normal x=5 at NormalDF", x: 5, df: NormalDF, want: math.Erfc(5 / math.Sqrt2)},
		{name: "nu=9 x=3", x: 3, df: 9, want: 0.014956363910414215},    // mpmath betainc, 40 digits
		{name: "nu=18 x=6", x: 6, df: 18, want: 1.126997110600787e-05}, // mpmath betainc, 40 digits
	} {
		t.Run(test.name, func(t *testing.T) {
			got := TailProb(test.x, test.df)
			const tol = 1e-12
			if math.Abs(got-test.want) > tol*test.want {
				t.Errorf("TailProb(%g, %g) = %.17g, want %.17g (± %g relative)", test.x, test.df, got, test.want, tol)
			}
		})
	}

	// Every integer ν to 60 and x from 0.1 to 12: the series of A&S 26.7.3
	// and 26.7.4. The series' 1 − A loses digits as the tail gets small:
	// tolerance 1e-12 absolute plus 1e-9 relative.
	for nu := 1; nu <= 60; nu++ {
		for _, x := range []float64{0.1, 0.5, 1, 1.96, 2.5, 3, 4, 5, 7, 12} {
			got, want := TailProb(x, float64(nu)), tailClosedForm(x, nu)
			if math.Abs(got-want) > 1e-12+1e-9*want {
				t.Errorf("TailProb(%g, %d) = %.15g, A&S series %.15g", x, nu, got, want)
			}
		}
	}

	// Fractional and large ν (Welch–Satterthwaite gives fractions):
	// I_{ν/(ν+x²)}(ν/2, 1/2) from mpmath 1.3's betainc at 40 digits, rounded
	// to 17. Tolerance 1e-11 relative. (gonum's StudentsT.Survival is off
	// by 3e-10 at ν = 99999, x = 0.01, so it is not the reference here.)
	// Every tail lies above the normal's.
	for _, test := range []struct{ x, df, want float64 }{
		{0.01, 0.5, 9.946067436361045e-1},
		{0.7, 0.5, 6.8540066252076652e-1},
		{2, 0.5, 4.4551489018313123e-1},
		{3, 0.5, 3.6730815598594345e-1},
		{5, 0.5, 2.859914031588588e-1},
		{8, 0.5, 2.265050928075786e-1},
		{0.01, 1.5, 9.9318548966292002e-1},
		{0.7, 1.5, 5.7643824088268662e-1},
		{2, 1.5, 2.2418833035605107e-1},
		{3, 1.5, 1.3354775425491327e-1},
		{5, 1.5, 6.5375767621156236e-2},
		{8, 1.5, 3.2918350940906821e-2},
		{0.01, 2.7, 9.9271340987693891e-1},
		{0.7, 2.7, 5.3941220175232466e-1},
		{2, 2.7, 1.4942343807050202e-1},
		{3, 2.7, 6.5895957656766684e-2},
		{5, 2.7, 1.9700838926463837e-2},
		{8, 2.7, 5.9122556207358598e-3},
		{0.01, 9.3, 9.9223252869875873e-1},
		{0.7, 9.3, 5.0106145314150885e-1},
		{2, 9.3, 7.5531247114635553e-2},
		{3, 9.3, 1.4428179771238678e-2},
		{5, 9.3, 6.6930061836517341e-4},
		{8, 9.3, 1.8229572136987505e-5},
		{0.01, 17.99, 9.9213134875629904e-1},
		{0.7, 17.99, 4.9288098925907539e-1},
		{2, 17.99, 6.0830125998974006e-2},
		{3, 17.99, 7.6888647843720811e-3},
		{5, 17.99, 9.2990379934746096e-5},
		{8, 17.99, 2.460272468005557e-7},
		{0.01, 30.5, 9.9208641207316078e-1},
		{0.7, 30.5, 4.8923260282799604e-1},
		{2, 30.5, 5.4473663599679888e-2},
		{3, 30.5, 5.3384090962746921e-3},
		{5, 30.5, 2.2358470831133014e-5},
		{8, 30.5, 5.5581544018361647e-9},
		{0.01, 123.4, 9.9203743623538562e-1},
		{0.7, 123.4, 4.8524488362838548e-1},
		{2, 123.4, 4.7696081448390231e-2},
		{3, 123.4, 3.2670042106471035e-3},
		{5, 123.4, 1.9192524629488489e-6},
		{8, 123.4, 7.7004621697397905e-13},
		{0.01, 1000.5, 9.9202328093552983e-1},
		{0.7, 1000.5, 4.8409003264394357e-1},
		{2, 1000.5, 4.5770211455853087e-2},
		{3, 1000.5, 2.7666753871462284e-3},
		{5, 1000.5, 6.7667044821320361e-7},
		{8, 1000.5, 3.4249967111739256e-15},
		{0.01, 12345, 9.9202144895768925e-1},
		{0.7, 12345, 4.8394049504363771e-1},
		{2, 12345, 4.5522132281664042e-2},
		{3, 12345, 2.705183912328778e-3},
		{5, 12345, 5.8117432787987045e-7},
		{8, 12345, 1.3548853703690435e-15},
		{0.01, 99999, 9.9202130731902264e-1},
		{0.7, 99999, 4.8392893286360628e-1},
		{2, 99999, 4.5502963484502473e-2},
		{3, 99999, 2.7004608907134292e-3},
		{5, 99999, 5.7427017754107159e-7},
		{8, 99999, 1.2573921202672646e-15},
	} {
		got := TailProb(test.x, test.df)
		if math.Abs(got-test.want) > 1e-11*test.want {
			t.Errorf("TailProb(%g, %g) = %.17g, mpmath %.17g", test.x, test.df, got, test.want)
		}
		if n := math.Erfc(test.x / math.Sqrt2); got < n {
			t.Errorf("TailProb(%g, %g) = %.17g, below the normal tail %.17g", test.x, test.df, got, n)
		}
	}
	// At NormalDF the switch to the normal moves the tail beyond 5 by
	// less than 0.2%.
	if below, at := TailProb(5, NormalDF-1), TailProb(5, NormalDF); math.Abs(below-at) > 2e-3*at {
		t.Errorf("TailProb(5) jumps from %g to %g at NormalDF", below, at)
	}
}

func TestTailProbEdges(t *testing.T) {
	// The limits, extreme arguments and invalid input.
	for _, test := range []struct {
		name  string
		x, df float64
		want  float64
	}{
		{name: "x=0", x: 0, df: 3, want: 1},
		{name: "x=+Inf", x: math.Inf(1), df: 3, want: 0},
		{name: "x=-Inf", x: math.Inf(-1), df: math.Inf(1), want: 0},
		{name: "x=1e200 cauchy", x: 1e200, df: 1, want: 2 / math.Pi * 1e-200}, // 1 − (2/π)atan x = (2/π)atan(1/x)
		{name: "x=1e-200", x: 1e-200, df: 7, want: 1},
		{name: "x=NaN", x: math.NaN(), df: 3, want: math.NaN()},
		{name: "df=0", x: 1, df: 0, want: math.NaN()},
		{name: "df<0", x: 1, df: -2, want: math.NaN()},
		{name: "df=NaN", x: 1, df: math.NaN(), want: math.NaN()},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := TailProb(test.x, test.df)
			if !(math.Abs(got-test.want) <= 1e-12*test.want || math.IsNaN(got) && math.IsNaN(test.want)) {
				t.Errorf("TailProb(%g, %g) = %g, want %g", test.x, test.df, got, test.want)
			}
		})
	}
}

func TestWelchDF(t *testing.T) {
	// Worked by hand from ν = (a² + b²)² / (a⁴/ν_a + b⁴/ν_b).
	inf, nan := math.Inf(1), math.NaN()
	for _, test := range []struct {
		name               string
		seA, dfA, seB, dfB float64
		want               float64
	}{
		{name: "equal errors, 10 chunks each", seA: 1, dfA: 9, seB: 1, dfB: 9, want: 18},
		{name: "unequal errors", seA: 1, dfA: 9, seB: 2, dfB: 4, want: 25 / (1.0/9 + 16.0/4)},
		{name: "one exact", seA: 0, dfA: 3, seB: 0.5, dfB: 7, want: 7},
		{name: "one without df", seA: 1, dfA: 0, seB: 1, dfB: 9, want: 36},
		{name: "one with NaN df", seA: 1, dfA: nan, seB: 1, dfB: 9, want: 36},
		{name: "both exact", seA: 0, dfA: 3, seB: 0, dfB: 3, want: inf},
		{name: "no df at all", seA: 1, dfA: nan, seB: 1, dfB: 0, want: inf},
		{name: "unknown error", seA: nan, dfA: 9, seB: 1, dfB: 9, want: nan},
	} {
		t.Run(test.name, func(t *testing.T) {
			got := WelchDF(test.seA, test.dfA, test.seB, test.dfB)
			if !(math.Abs(got-test.want) <= 1e-12*test.want || got == test.want || math.IsNaN(got) && math.IsNaN(test.want)) {
				t.Errorf("WelchDF(%g, %g, %g, %g) = %g, want %g", test.seA, test.dfA, test.seB, test.dfB, got, test.want)
			}
		})
	}
}
