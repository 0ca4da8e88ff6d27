//go:build amd64 && !purego

package kernels

import (
	"testing"

	"github.com/simrun/simrun/sim/rng"
)

func TestPiAVX2MatchesGo(t *testing.T) {
	// The AVX2 lanes count and advance exactly as the Go loop does, so a
	// run's bytes do not depend on the CPU.
	if !hasAVX2() {
		t.Skip("this CPU has no AVX2; the Go lanes run, and nothing else needs checking")
	}
	r := rng.FromSeed(5)
	for _, blocks := range []uint64{0, 1, 2, 3, 1000, 4097} {
		var a piLanes
		for k := range a {
			for l := range a[k] {
				a[k][l] = r.Uint64()
			}
		}
		b := a
		var oa, ob [8]uint64
		piOutsideAVX2(&a, blocks, &oa)
		piOutsideLanesGo(&b, blocks, &ob)
		if a != b || oa != ob {
			t.Errorf("blocks=%d: outside counts %v, Go %v (states equal: %v)", blocks, oa, ob, a == b)
		}
	}
}
