package design

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"slices"
	"testing"
)

func mustNew(t *testing.T, kind Kind, dims int, n int64, scramble bool, seed uint64) *Design {
	t.Helper()
	d, err := New(kind, dims, n, scramble, seed)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestVanDerCorput: the plain Halton design's first dimensions are the
// radical inverses of 0, 1, 2, ... in bases 2 and 3 (van der Corput 1935;
// Halton 1960), exactly.
func TestVanDerCorput(t *testing.T) {
	d := mustNew(t, Halton, 3, 9, false, 1)
	for _, tt := range []struct {
		dim  int
		want []float64
	}{
		{0, []float64{0, 1. / 2, 1. / 4, 3. / 4, 1. / 8, 5. / 8, 3. / 8, 7. / 8, 1. / 16}},
		{1, []float64{0, 1. / 3, 2. / 3, 1. / 9, 4. / 9, 7. / 9, 2. / 9, 5. / 9, 8. / 9}},
		{2, []float64{0, 1. / 5, 2. / 5, 3. / 5, 4. / 5, 1. / 25, 6. / 25, 11. / 25, 16. / 25}},
	} {
		for i, want := range tt.want {
			if got := d.At(int64(i), tt.dim); got != want {
				t.Errorf("Halton point %d, dimension %d: %v, want %v", i, tt.dim, got, want)
			}
		}
	}
}

// TestSobolFirstPoints: the plain Sobol design's first points, in
// Gray-code order, against those of Joe and Kuo's direction numbers:
// dimensions 1 and 2 worked by hand from m_k = 1 (dimension 1) and s = 1,
// a = 0, m_1 = 1 (dimension 2).
func TestSobolFirstPoints(t *testing.T) {
	d := mustNew(t, Sobol, 2, 8, false, 1)
	want := [][2]float64{{0, 0}, {0.5, 0.5}, {0.75, 0.25}, {0.25, 0.75}, {0.375, 0.375}, {0.875, 0.875}, {0.625, 0.125}, {0.125, 0.625}}
	for i, w := range want {
		for j := range 2 {
			if got := d.At(int64(i), j); got != w[j] {
				t.Errorf("Sobol point %d, dimension %d: %v, want %v", i, j+1, got, w[j])
			}
		}
	}
}

// TestSobolJoeKuo: points of the plain Sobol design deep in the sequence,
// every one of the 64 dimensions, as 32-bit fractions (coordinate × 2^32),
// against scipy.stats.qmc.Sobol(d=64, scramble=False, bits=32) of scipy
// 1.10.1 after fast_forward(i), which builds the same sequence from the
// same table (new-joe-kuo-6.21201) in Gray-code order. The first 16 points
// of a few dimensions are from the same source.
func TestSobolJoeKuo(t *testing.T) {
	d := mustNew(t, Sobol, MaxDims, 200000, false, 1)
	for _, tt := range []struct {
		i    int64
		want [MaxDims]uint64
	}{
		{1000, [MaxDims]uint64{
			943718400, 415236096, 2227175424, 2906652672, 1203765248, 3896508416, 197132288, 3862953984,
			2151677952, 297795584, 364904448, 1094713344, 692060160, 1648361472, 616562688, 1589641216,
			3091202048, 1480589312, 4257218560, 3116367872, 2243952640, 2361393152, 4081057792, 2319450112,
			2503999488, 3896508416, 171966464, 4206886912, 255852544, 1463812096, 633339904, 624951296,
			1270874112, 2545942528, 3443523584, 3309305856, 3644850176, 3569352704, 1321205760, 2059403264,
			3921674240, 1094713344, 4123000832, 3015704576, 3611295744, 398458880, 3745513472, 3946840064,
			4290772992, 2059403264, 1514143744, 2218786816, 3233808384, 1883242496, 541065216, 3829399552,
			1950351360, 339738624, 3795845120, 2453667840, 1916796928, 2587885568, 1111490560, 1916796928,
		}},
		{123456, [MaxDims]uint64{
			113803264, 784891904, 1319665664, 1934065664, 726630400, 872972288, 3074457600, 1993113600,
			3034218496, 1069711360, 2143649792, 3355148288, 2370732032, 1204518912, 3278536704, 2840559616,
			2453766144, 1596227584, 3788210176, 674988032, 507215872, 2589556736, 2003468288, 2134409216,
			3200286720, 2252505088, 3701637120, 1927512064, 3150020608, 1396932608, 2896199680, 325156864,
			1130004480, 253263872, 54099968, 1727627264, 810254336, 2008580096, 953712640, 1593344000,
			3410001920, 490766336, 3961552896, 1558216704, 3269492736, 2896199680, 4059725824, 3337781248,
			3079569408, 688816128, 1117683712, 2722791424, 577142784, 871268352, 4132208640, 12746752,
			4208164864, 140804096, 3370090496, 1697087488, 2092466176, 2322825216, 2940239872, 4089413632,
		}},
	} {
		for j, w := range tt.want {
			if got := d.At(tt.i, j); got != float64(w)*0x1p-32 {
				t.Errorf("point %d, dimension %d: %v, want %d/2^32", tt.i, j+1, got, w)
			}
		}
	}
	for _, tt := range []struct {
		dim  int
		want [16]float64 // ×16
	}{
		{0, [16]float64{0, 8, 12, 4, 6, 14, 10, 2, 3, 11, 15, 7, 5, 13, 9, 1}},
		{2, [16]float64{0, 8, 4, 12, 10, 2, 14, 6, 15, 7, 11, 3, 5, 13, 1, 9}},
		{3, [16]float64{0, 8, 4, 12, 14, 6, 10, 2, 7, 15, 3, 11, 9, 1, 13, 5}},
		{9, [16]float64{0, 8, 12, 4, 10, 2, 6, 14, 5, 13, 9, 1, 15, 7, 3, 11}},
		{63, [16]float64{0, 8, 12, 4, 2, 10, 14, 6, 11, 3, 7, 15, 9, 1, 5, 13}},
	} {
		for i, w := range tt.want {
			if got := d.At(int64(i), tt.dim); got != w/16 {
				t.Errorf("point %d, dimension %d: %v, want %v", i, tt.dim+1, got, w/16)
			}
		}
	}
}

// TestLatinStrata: each of the n strata [k/n, (k+1)/n) of every dimension
// of a Latin hypercube of n points holds exactly one point, checked in
// exact arithmetic.
func TestLatinStrata(t *testing.T) {
	for _, n := range []int64{1, 2, 3, 7, 64, 100, 1000, 4097} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			d := mustNew(t, LatinHypercube, 3, n, false, 42)
			for j := range 3 {
				seen := make([]bool, n)
				for i := range n {
					k := stratum(d.At(i, j), n)
					if k < 0 || k >= n || seen[k] {
						t.Fatalf("dimension %d, point %d: %v in stratum %d, out of range or taken", j, i, d.At(i, j), k)
					}
					seen[k] = true
				}
			}
		})
	}
}

// stratum returns floor(x·n), exactly.
func stratum(x float64, n int64) int64 {
	p := new(big.Float).SetPrec(200).SetFloat64(x)
	p.Mul(p, new(big.Float).SetInt64(n))
	k, _ := p.Int64()
	return k
}

// TestNets: the first b^k points of a Sobol (b = 2) or Halton design, plain
// or scrambled, put exactly one point in each interval [l/b^k, (l+1)/b^k)
// of a dimension of base b: the scrambles keep that property of the
// sequences. Halton's intervals are found from the exact fraction behind
// the float, whose rounding can put a point on the float nearest an
// interval's edge, and the float is checked to be its rounding.
func TestNets(t *testing.T) {
	for _, tt := range []struct {
		kind     Kind
		dim      int
		base, k  int64
		scramble bool
	}{
		{Sobol, 0, 2, 10, false},
		{Sobol, 5, 2, 10, false},
		{Sobol, 63, 2, 12, false},
		{Sobol, 0, 2, 10, true},
		{Sobol, 40, 2, 12, true},
		{Halton, 0, 2, 10, true},
		{Halton, 1, 3, 6, false},
		{Halton, 1, 3, 6, true},
		{Halton, 63, 311, 2, true},
	} {
		t.Run(fmt.Sprintf("%s/%d/%v", tt.kind, tt.dim, tt.scramble), func(t *testing.T) {
			n := int64(math.Pow(float64(tt.base), float64(tt.k)))
			d := mustNew(t, tt.kind, tt.dim+1, n, tt.scramble, 7)
			seen := make([]bool, n)
			for i := range n {
				l := stratum(d.At(i, tt.dim), n)
				if tt.kind == Halton {
					h := &d.halton[tt.dim]
					r := h.fraction(uint64(i))
					if x := float64(r) / float64(h.pow[h.depth]); x != d.At(i, tt.dim) {
						t.Fatalf("point %d: %v, not its fraction %d/%d rounded", i, d.At(i, tt.dim), r, h.pow[h.depth])
					}
					l = int64(r / h.pow[h.depth-int(tt.k)])
				}
				if seen[l] {
					t.Fatalf("point %d (%v) is the second in interval %d of %d", i, d.At(i, tt.dim), l, n)
				}
				seen[l] = true
			}
		})
	}
}

// TestPrefix: the first n points of a design of more points are those of
// the design of n points, for every kind but the Latin hypercube.
func TestPrefix(t *testing.T) {
	for _, kind := range []Kind{Uniform, Halton, Sobol} {
		for _, scramble := range []bool{false, true} {
			if scramble && kind == Uniform {
				continue
			}
			small := mustNew(t, kind, 5, 100, scramble, 3)
			large := mustNew(t, kind, 5, 1000, scramble, 3)
			for i := range int64(100) {
				for j := range 5 {
					if a, b := small.At(i, j), large.At(i, j); a != b {
						t.Fatalf("%s scrambled=%v: point %d, dimension %d: %v in 100 points, %v in 1000", kind, scramble, i, j, a, b)
					}
				}
			}
		}
	}
}

// TestUnitCube: every coordinate is in [0, 1), the scrambled and random
// ones also away from 0, and a random design's coordinates have the mean
// of a uniform variable (1/2, within 4 standard errors of √(1/12n)).
func TestUnitCube(t *testing.T) {
	const n = 20000
	for _, kind := range []Kind{Uniform, LatinHypercube, Halton, Sobol} {
		for _, scramble := range []bool{false, true} {
			if scramble && (kind == Uniform || kind == LatinHypercube) {
				continue
			}
			d := mustNew(t, kind, MaxDims, n, scramble, 11)
			for j := range MaxDims {
				sum := 0.0
				for i := range int64(n) {
					x := d.At(i, j)
					if !(x >= 0 && x < 1) {
						t.Fatalf("%s scrambled=%v: point %d, dimension %d: %v", kind, scramble, i, j, x)
					}
					sum += x
				}
				if se := math.Sqrt(1.0 / 12 / n); math.Abs(sum/n-0.5) > 4*se {
					t.Errorf("%s scrambled=%v, dimension %d: mean %v, want 1/2 ± %.2g", kind, scramble, j, sum/n, 4*se)
				}
			}
		}
	}
}

// TestSeed: the seed changes the random designs and the scrambles, and
// nothing else.
func TestSeed(t *testing.T) {
	for _, tt := range []struct {
		kind     Kind
		scramble bool
		differ   bool
	}{
		{Uniform, false, true},
		{LatinHypercube, false, true},
		{Halton, false, false},
		{Halton, true, true},
		{Sobol, false, false},
		{Sobol, true, true},
	} {
		a, b := mustNew(t, tt.kind, 2, 50, tt.scramble, 1), mustNew(t, tt.kind, 2, 50, tt.scramble, 2)
		same := true
		for i := range int64(50) {
			same = same && a.At(i, 1) == b.At(i, 1)
		}
		if same == tt.differ {
			t.Errorf("%s scrambled=%v: seeds 1 and 2 give the same points: %v, want %v", tt.kind, tt.scramble, same, !tt.differ)
		}
	}
}

// TestGolden pins the bits of every kind: a change of algorithm changes
// the points of every experiment that has a design, so it must be made on
// purpose. The sums are SHA-256 of the first 1000 points in 8 dimensions,
// as little-endian float64 bits, seed 2026 (the first 16 hex digits).
func TestGolden(t *testing.T) {
	for _, tt := range []struct {
		kind     Kind
		scramble bool
		want     string
	}{
		{Uniform, false, "121d9d28d639b64c"},
		{LatinHypercube, false, "0114a69642ff34ae"},
		{Halton, false, "53723b62bdff711c"},
		{Halton, true, "41779c95a5a3f1e8"},
		{Sobol, false, "22a18e9410edb9a7"},
		{Sobol, true, "966f0657469003bc"},
	} {
		d := mustNew(t, tt.kind, 8, 1000, tt.scramble, 2026)
		h := sha256.New()
		for i := range int64(1000) {
			for j := range 8 {
				h.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(d.At(i, j))))
			}
		}
		if got := fmt.Sprintf("%x", h.Sum(nil))[:16]; got != tt.want {
			t.Errorf("%s scrambled=%v: sum %s, want %s", tt.kind, tt.scramble, got, tt.want)
		}
	}
}

// TestNewInvalid: what New cannot make is an error, not a panic.
func TestNewInvalid(t *testing.T) {
	for _, tt := range []struct {
		name     string
		kind     Kind
		dims     int
		n        int64
		scramble bool
	}{
		{"no kind", 0, 2, 10, false},
		{"no dimensions", Sobol, 0, 10, false},
		{"too many dimensions", Halton, MaxDims + 1, 10, false},
		{"no points", Uniform, 2, 0, false},
		{"too many points", Sobol, 2, MaxPoints + 1, false},
		{"scrambled random points", LatinHypercube, 2, 10, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if d, err := New(tt.kind, tt.dims, tt.n, tt.scramble, 1); err == nil {
				t.Errorf("New = %v, nil error", d)
			}
		})
	}
}

// TestKinds: ParseKind reads back every kind's name.
func TestKinds(t *testing.T) {
	for _, name := range Kinds() {
		k, ok := ParseKind(name)
		if !ok || k.String() != name {
			t.Errorf("ParseKind(%q) = %v, %v", name, k, ok)
		}
	}
	if !slices.Equal(Kinds(), []string{"uniform", "lhs", "halton", "sobol"}) {
		t.Errorf("Kinds() = %v", Kinds())
	}
	if _, ok := ParseKind("grid"); ok {
		t.Error(`ParseKind("grid") succeeded`)
	}
}
