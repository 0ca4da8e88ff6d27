//go:build amd64 && !purego

package kernels

// piOutsideAVX2 is piOutsideLanesGo with the eight lanes in two pairs of
// AVX2 registers (pilanes_amd64.s).
//
//go:noescape
func piOutsideAVX2(s *piLanes, blocks uint64, out *[8]uint64)

func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

var useAVX2 = hasAVX2()

// piOutsideLanes advances each lane of s by blocks steps and stores in
// out[l] how many of lane l's points fell outside the quarter disc. It
// calls rather than being a func variable so that s and out stay on the
// caller's stack.
func piOutsideLanes(s *piLanes, blocks uint64, out *[8]uint64) {
	if useAVX2 {
		piOutsideAVX2(s, blocks, out)
		return
	}
	piOutsideLanesGo(s, blocks, out)
}

// hasAVX2 reports whether the CPU has AVX2 and the OS saves the YMM
// registers, as golang.org/x/sys/cpu decides it.
func hasAVX2() bool {
	if maxID, _, _, _ := cpuid(0, 0); maxID < 7 {
		return false
	}
	const osxsave, avx = 1 << 27, 1 << 28
	if _, _, ecx, _ := cpuid(1, 0); ecx&osxsave == 0 || ecx&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state enabled
		return false
	}
	const avx2 = 1 << 5
	_, ebx, _, _ := cpuid(7, 0)
	return ebx&avx2 != 0
}
