package rng

import (
	"encoding/binary"
	"math"
	"testing"

	"gonum.org/v1/gonum/mathext/prng"
)

// TestXoshiroMatchesGonum checks the output stream against gonum's
// independent implementation of xoshiro256++ from the same state.
func TestXoshiroMatchesGonum(t *testing.T) {
	for _, tc := range []struct {
		name  string
		state [4]uint64
	}{
		{"small", [4]uint64{1, 2, 3, 4}},
		{"large", [4]uint64{math.MaxUint64, 0x0123456789abcdef, 0xfedcba9876543210, 1 << 63}},
		{"seeded", FromSeed(42).State()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ours := New(tc.state)
			var ref prng.Xoshiro256plusplus
			var buf [32]byte
			for i, w := range tc.state {
				binary.BigEndian.PutUint64(buf[8*i:], w)
			}
			if err := ref.UnmarshalBinary(buf[:]); err != nil {
				t.Fatal(err)
			}
			for i := range 10000 {
				if got, want := ours.Uint64(), ref.Uint64(); got != want {
					t.Fatalf("output %d: got %#x, want %#x (gonum)", i, got, want)
				}
			}
		})
	}
}

// TestSplitMixMatchesGonum checks SplitMix64 and FromSeed against gonum,
// whose NewXoshiro256plusplus(seed) fills the state with splitmix64 outputs.
func TestSplitMixMatchesGonum(t *testing.T) {
	for _, seed := range []uint64{0, 1, 1234567, math.MaxUint64} {
		sm := SplitMix64(seed)
		ref := prng.NewSplitMix64(seed)
		for i := range 1000 {
			if got, want := sm.Uint64(), ref.Uint64(); got != want {
				t.Fatalf("seed %d output %d: got %#x, want %#x", seed, i, got, want)
			}
		}
		ours := FromSeed(seed)
		x := prng.NewXoshiro256plusplus(seed)
		for i := range 1000 {
			if got, want := ours.Uint64(), x.Uint64(); got != want {
				t.Fatalf("FromSeed(%d) output %d: got %#x, want %#x", seed, i, got, want)
			}
		}
	}
}

// TestReferenceVector pins the first outputs from state {1,2,3,4}, computed
// by hand from the reference C code (prng.di.unimi.it/xoshiro256plusplus.c):
// the first output is rotl(1+4, 23)+1 = 5<<23 + 1.
func TestReferenceVector(t *testing.T) {
	x := New([4]uint64{1, 2, 3, 4})
	if got, want := x.Uint64(), uint64(5<<23+1); got != want {
		t.Fatalf("first output %d, want %d", got, want)
	}
}

func TestZeroStateReplaced(t *testing.T) {
	x := New([4]uint64{})
	if x.State() == ([4]uint64{}) {
		t.Fatal("all-zero state kept")
	}
	if a, b := x.Uint64(), x.Uint64(); a == 0 && b == 0 {
		t.Fatal("generator stuck at zero")
	}
}

func TestFloat64Range(t *testing.T) {
	x := FromSeed(7)
	// Mean of n uniforms is 1/2 with standard error 1/sqrt(12n); 5 SE tolerance.
	const n = 1 << 20
	sum := 0.0
	for range n {
		f := x.Float64()
		if f < 0 || f >= 1 {
			t.Fatalf("Float64 = %v, outside [0,1)", f)
		}
		sum += f
	}
	if se := 1 / math.Sqrt(12*n); math.Abs(sum/n-0.5) > 5*se {
		t.Fatalf("mean %v, want 0.5 ± %v", sum/n, 5*se)
	}
}

func TestUint64nUniform(t *testing.T) {
	x := FromSeed(99)
	const n, k = 600000, 6
	var counts [k]int
	for range n {
		v := x.Uint64n(k)
		if v >= k {
			t.Fatalf("Uint64n(%d) = %d", k, v)
		}
		counts[v]++
	}
	// Each count is Binomial(n, 1/6): sd = sqrt(n p (1-p)); 5 sd tolerance.
	sd := math.Sqrt(n * (1.0 / k) * (1 - 1.0/k))
	for i, c := range counts {
		if math.Abs(float64(c)-n/k) > 5*sd {
			t.Errorf("value %d drawn %d times, want %d ± %.0f", i, c, n/k, 5*sd)
		}
	}
}

func TestJumpMatchesReference(t *testing.T) {
	// Jump must commute with stepping: jumping then stepping equals stepping then jumping.
	a, b := FromSeed(5), FromSeed(5)
	a.Jump()
	a.Uint64()
	b.Uint64()
	b.Jump()
	if a.State() != b.State() {
		t.Fatal("Jump does not commute with Uint64")
	}
	c := FromSeed(5)
	if c.Jump(); c.State() == FromSeed(5).State() {
		t.Fatal("Jump left the state unchanged")
	}
}

func BenchmarkUint64(b *testing.B) {
	x := FromSeed(1)
	var s uint64
	for b.Loop() {
		s += x.Uint64()
	}
	sink = s
}

func BenchmarkFloat64(b *testing.B) {
	x := FromSeed(1)
	var s float64
	for b.Loop() {
		s += x.Float64()
	}
	sink = uint64(s)
}

var sink uint64

func TestNextMatchesUint64(t *testing.T) {
	a, b := FromSeed(3), FromSeed(3)
	for i := range 100 {
		var u uint64
		a, u = a.Next()
		if v := b.Uint64(); u != v {
			t.Fatalf("step %d: Next %#x, Uint64 %#x", i, u, v)
		}
	}
	if Unit(1<<63) != 0.5 {
		t.Fatalf("Unit(1<<63) = %v, want 0.5", Unit(1<<63))
	}
}
