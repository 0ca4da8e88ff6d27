package sim

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Acc accumulates one observable: count, mean, sum of squared deviations
// (M2), minimum and maximum. Add uses Welford's update; Merge uses the
// pairwise formula of Chan, Golub and LeVeque (1979). Floating-point merging
// is not associative, so callers that need identical bytes merge in a fixed
// order: simrun always merges chunks in chunk-index order.
//
// The zero Acc is empty and ready to use.
//
// Products are wrapped in explicit float64 conversions, which the Go spec
// says must round: this stops the compiler from fusing them into
// multiply-adds on architectures that have them (arm64, ppc64, s390x), so
// the bytes are the same on every machine, not only for every worker count.
type Acc struct {
	N    int64
	Mean float64
	M2   float64
	Min  float64
	Max  float64
}

// Add records one observation.
func (a *Acc) Add(x float64) {
	a.N++
	if a.N == 1 {
		a.Mean, a.M2, a.Min, a.Max = x, 0, x, x
		return
	}
	d := x - a.Mean
	a.Mean += d / float64(a.N)
	a.M2 += float64(d * (x - a.Mean))
	a.Min = math.Min(a.Min, x)
	a.Max = math.Max(a.Max, x)
}

// Merge adds the observations summarised by b.
func (a *Acc) Merge(b Acc) {
	switch {
	case b.N == 0:
		return
	case a.N == 0:
		*a = b
		return
	}
	n := a.N + b.N
	d := b.Mean - a.Mean
	fa, fb, fn := float64(a.N), float64(b.N), float64(n)
	a.Mean += float64(d * (fb / fn))
	a.M2 += b.M2 + float64(float64(d*d)*float64(fa*fb/fn))
	a.Min = math.Min(a.Min, b.Min)
	a.Max = math.Max(a.Max, b.Max)
	a.N = n
}

// Variance returns the unbiased sample variance, or NaN for fewer than two
// observations.
func (a *Acc) Variance() float64 {
	if a.N < 2 {
		return math.NaN()
	}
	return a.M2 / float64(a.N-1)
}

// Binary returns the summary of n observations of which k equal hi and the
// rest lo, exactly, without a per-observation update: the moments of a
// two-valued sample. Kernels that count events (hits, spanning clusters)
// use it to keep their sample loop free of floating-point updates.
func Binary(n, k int64, lo, hi float64) Acc {
	if n == 0 {
		return Acc{}
	}
	p := float64(k) / float64(n)
	mean := lo + float64((hi-lo)*p)
	dl, dh := lo-mean, hi-mean
	a := Acc{N: n, Mean: mean, M2: float64(float64(float64(n-k)*dl)*dl) + float64(float64(float64(k)*dh)*dh), Min: lo, Max: hi}
	if k == 0 {
		a.Max = lo
	}
	if k == n {
		a.Min = hi
	}
	return a
}

// AccSize is the size of one encoded Acc: N, then Mean, M2, Min and Max as
// float64 bit patterns, each 8 bytes little-endian. It is the one encoding
// of accumulators: in worker results, journal records and chunks.bin.
const AccSize = 5 * 8

// AppendAcc appends the encoding of a to b.
func AppendAcc(b []byte, a Acc) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(a.N))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Mean))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.M2))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Min))
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(a.Max))
}

// AppendAccs appends the encoding of each of accs to b.
func AppendAccs(b []byte, accs []Acc) []byte {
	for _, a := range accs {
		b = AppendAcc(b, a)
	}
	return b
}

// DecodeAcc decodes the Acc at the start of b, which holds at least
// AccSize bytes.
func DecodeAcc(b []byte) Acc {
	_ = b[AccSize-1]
	return Acc{
		N:    int64(binary.LittleEndian.Uint64(b)),
		Mean: math.Float64frombits(binary.LittleEndian.Uint64(b[8:])),
		M2:   math.Float64frombits(binary.LittleEndian.Uint64(b[16:])),
		Min:  math.Float64frombits(binary.LittleEndian.Uint64(b[24:])),
		Max:  math.Float64frombits(binary.LittleEndian.Uint64(b[32:])),
	}
}

// DecodeAccs decodes len(accs) accumulators from b into accs. b must hold
// exactly that many.
func DecodeAccs(b []byte, accs []Acc) error {
	if len(b) != AccSize*len(accs) {
		return fmt.Errorf("sim: %d bytes of accumulators, want %d for %d", len(b), AccSize*len(accs), len(accs))
	}
	for i := range accs {
		accs[i] = DecodeAcc(b[i*AccSize:])
	}
	return nil
}
