package design

import (
	"fmt"

	"github.com/simrun/simrun/sim/rng"
)

// A Kind is a design's method.
type Kind uint8

const (
	Uniform        Kind = iota + 1 // independent uniform points
	LatinHypercube                 // one point in each of N strata of every dimension
	Halton                         // Halton's sequence: the radical inverses of i in the first primes
	Sobol                          // Sobol's sequence with Joe and Kuo's direction numbers
)

var kindNames = map[Kind]string{Uniform: "uniform", LatinHypercube: "lhs", Halton: "halton", Sobol: "sobol"}

// String returns the kind's name in an experiment file.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// Kinds returns the names of the kinds, in their order.
func Kinds() []string {
	return []string{Uniform.String(), LatinHypercube.String(), Halton.String(), Sobol.String()}
}

// ParseKind returns the kind named s, and false if there is none.
func ParseKind(s string) (Kind, bool) {
	for k, name := range kindNames {
		if name == s {
			return k, true
		}
	}
	return 0, false
}

// MaxDims is the largest number of dimensions of a design: the Sobol
// direction numbers held, and as many primes for Halton.
const MaxDims = 1 + len(joeKuo)

// MaxPoints is the largest number of points of a design: Sobol's
// coordinates have 32 bits.
const MaxPoints = 1 << 32

// A Design is a set of points in [0, 1)^Dims. Its methods may be called
// from several goroutines at once.
type Design struct {
	kind     Kind
	dims     int
	n        int64
	scramble bool

	keys   []uint64      // per dimension: uniform and Latin hypercube
	perms  [][]uint64    // per dimension, a Latin hypercube's Feistel keys
	sobol  [][32]uint32  // per dimension, the direction numbers (scrambled)
	shift  []uint32      // per dimension, Sobol's digital shift
	halton []haltonDigit // per dimension
}

// New returns the design of n points in dims dimensions of the given kind.
// scramble applies to Halton and Sobol only. The seed fixes every random
// choice: the points of uniform and Latin hypercube designs, and the
// scrambles.
func New(kind Kind, dims int, n int64, scramble bool, seed uint64) (*Design, error) {
	if _, ok := kindNames[kind]; !ok {
		return nil, fmt.Errorf("design: unknown kind %d", kind)
	}
	if dims < 1 || dims > MaxDims {
		return nil, fmt.Errorf("design: %d dimensions, want 1 to %d", dims, MaxDims)
	}
	if n < 1 || n > MaxPoints {
		return nil, fmt.Errorf("design: %d points, want 1 to %d", n, int64(MaxPoints))
	}
	if scramble && kind != Halton && kind != Sobol {
		return nil, fmt.Errorf("design: a %s design cannot be scrambled: it is random already", kind)
	}
	d := &Design{kind: kind, dims: dims, n: n, scramble: scramble}
	// Every random choice comes from one SplitMix64 stream of the seed,
	// drawn in a fixed order: per dimension, then within it.
	src := rng.SplitMix64(seed)
	switch kind {
	case Uniform:
		d.keys = make([]uint64, dims)
		for j := range d.keys {
			d.keys[j] = src.Uint64()
		}
	case LatinHypercube:
		d.keys = make([]uint64, dims)
		d.perms = make([][]uint64, dims)
		for j := range dims {
			d.keys[j] = src.Uint64()
			d.perms[j] = make([]uint64, feistelRounds)
			for r := range d.perms[j] {
				d.perms[j][r] = src.Uint64()
			}
		}
	case Sobol:
		d.sobol = make([][32]uint32, dims)
		d.shift = make([]uint32, dims)
		for j := range dims {
			d.sobol[j] = directions(j)
			if scramble {
				d.sobol[j], d.shift[j] = scrambleSobol(d.sobol[j], &src)
			}
		}
	case Halton:
		d.halton = make([]haltonDigit, dims)
		for j := range dims {
			d.halton[j] = newHalton(primes[j], scramble, &src)
		}
	}
	return d, nil
}

// Kind, Dims, Len and Scrambled return what the design was made with.
func (d *Design) Kind() Kind      { return d.kind }
func (d *Design) Dims() int       { return d.dims }
func (d *Design) Len() int64      { return d.n }
func (d *Design) Scrambled() bool { return d.scramble }

// At returns coordinate j of point i, in [0, 1). It panics unless
// 0 ≤ i < Len and 0 ≤ j < Dims.
func (d *Design) At(i int64, j int) float64 {
	if i < 0 || i >= d.n || j < 0 || j >= d.dims {
		panic(fmt.Sprintf("design: At(%d, %d) of a design of %d points in %d dimensions", i, j, d.n, d.dims))
	}
	switch d.kind {
	case Uniform:
		return rng.Unit(counter(d.keys[j], uint64(i)))
	case LatinHypercube:
		return d.latin(i, j)
	case Sobol:
		return d.sobolAt(i, j)
	default:
		return d.halton[j].at(uint64(i))
	}
}

// golden is SplitMix64's increment, 2^64/φ.
const golden = 0x9e3779b97f4a7c15

// counter returns output i of SplitMix64 seeded with key, computed
// directly: SplitMix64 is a counter passed through a mixing bijection, so
// its i-th output needs none of the ones before.
func counter(key, i uint64) uint64 {
	s := rng.SplitMix64(key + i*golden)
	return s.Uint64()
}
