//go:build amd64 && !purego

// The pi kernel's eight lanes (piOutsideLanesGo in pilanes.go) as two groups
// of four in AVX2 registers: Y0–Y3 hold words 0–3 of lanes 0–3, Y4–Y7 those of
// lanes 4–7, Y8 and Y9 the outside counts.

#include "textflag.h"

DATA signbit<>+0(SB)/8, $0x8000000000000000
GLOBL signbit<>(SB), RODATA|NOPTR, $8
DATA notsign<>+0(SB)/8, $0x7fffffffffffffff
GLOBL notsign<>(SB), RODATA|NOPTR, $8
DATA low32<>+0(SB)/8, $0x00000000ffffffff
GLOBL low32<>(SB), RODATA|NOPTR, $8

// func piOutsideAVX2(s *piLanes, blocks uint64, out *[8]uint64)
TEXT ·piOutsideAVX2(SB), NOSPLIT, $0-24
	MOVQ s+0(FP), AX
	MOVQ blocks+8(FP), CX
	MOVQ out+16(FP), DX
	VMOVDQU 0(AX), Y0   // s0 lanes 0-3
	VMOVDQU 64(AX), Y1  // s1
	VMOVDQU 128(AX), Y2 // s2
	VMOVDQU 192(AX), Y3 // s3
	VMOVDQU 32(AX), Y4  // s0 lanes 4-7
	VMOVDQU 96(AX), Y5
	VMOVDQU 160(AX), Y6
	VMOVDQU 224(AX), Y7
	VPXOR Y8, Y8, Y8 // outside count, lanes 0-3
	VPXOR Y9, Y9, Y9 // lanes 4-7
	VPBROADCASTQ signbit<>(SB), Y10
	VPBROADCASTQ notsign<>(SB), Y11
	VPBROADCASTQ low32<>(SB), Y12
	TESTQ CX, CX
	JZ done

loop:
	// lanes 0-3: u = rotl(s0+s3, 23) + s0
	VPADDQ Y0, Y3, Y13
	VPSLLQ $23, Y13, Y14
	VPSRLQ $41, Y13, Y13
	VPOR Y14, Y13, Y13
	VPADDQ Y0, Y13, Y13
	// state update
	VPSLLQ $17, Y1, Y14 // t = s1 << 17
	VPXOR Y0, Y2, Y2    // s2 ^= s0
	VPXOR Y1, Y3, Y3    // s3 ^= s1
	VPXOR Y2, Y1, Y1    // s1 ^= s2
	VPXOR Y3, Y0, Y0    // s0 ^= s3
	VPXOR Y14, Y2, Y2   // s2 ^= t
	VPSLLQ $45, Y3, Y14
	VPSRLQ $19, Y3, Y3
	VPOR Y14, Y3, Y3    // s3 = rotl(s3, 45)
	// a = i(i+1), b = j(j+1) with i = u>>32, j = u&(2^32-1)
	VPSRLQ $32, Y13, Y14
	VPMULUDQ Y14, Y14, Y15
	VPADDQ Y14, Y15, Y15 // a
	VPMULUDQ Y13, Y13, Y14
	VPAND Y12, Y13, Y13
	VPADDQ Y13, Y14, Y14 // b
	// outside iff a + b carries, iff a > ^b unsigned
	VPXOR Y10, Y15, Y15
	VPXOR Y11, Y14, Y14
	VPCMPGTQ Y14, Y15, Y15
	VPSUBQ Y15, Y8, Y8

	// lanes 4-7
	VPADDQ Y4, Y7, Y13
	VPSLLQ $23, Y13, Y14
	VPSRLQ $41, Y13, Y13
	VPOR Y14, Y13, Y13
	VPADDQ Y4, Y13, Y13
	VPSLLQ $17, Y5, Y14
	VPXOR Y4, Y6, Y6
	VPXOR Y5, Y7, Y7
	VPXOR Y6, Y5, Y5
	VPXOR Y7, Y4, Y4
	VPXOR Y14, Y6, Y6
	VPSLLQ $45, Y7, Y14
	VPSRLQ $19, Y7, Y7
	VPOR Y14, Y7, Y7
	VPSRLQ $32, Y13, Y14
	VPMULUDQ Y14, Y14, Y15
	VPADDQ Y14, Y15, Y15
	VPMULUDQ Y13, Y13, Y14
	VPAND Y12, Y13, Y13
	VPADDQ Y13, Y14, Y14
	VPXOR Y10, Y15, Y15
	VPXOR Y11, Y14, Y14
	VPCMPGTQ Y14, Y15, Y15
	VPSUBQ Y15, Y9, Y9

	DECQ CX
	JNZ loop

done:
	VMOVDQU Y0, 0(AX)
	VMOVDQU Y1, 64(AX)
	VMOVDQU Y2, 128(AX)
	VMOVDQU Y3, 192(AX)
	VMOVDQU Y4, 32(AX)
	VMOVDQU Y5, 96(AX)
	VMOVDQU Y6, 160(AX)
	VMOVDQU Y7, 224(AX)
	VMOVDQU Y8, 0(DX)
	VMOVDQU Y9, 32(DX)
	VZEROUPPER
	RET

// func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eaxArg+0(FP), AX
	MOVL ecxArg+4(FP), CX
	CPUID
	MOVL AX, eax+8(FP)
	MOVL BX, ebx+12(FP)
	MOVL CX, ecx+16(FP)
	MOVL DX, edx+20(FP)
	RET

// func xgetbv() (eax, edx uint32)
TEXT ·xgetbv(SB), NOSPLIT, $0-8
	MOVL $0, CX
	XGETBV
	MOVL AX, eax+0(FP)
	MOVL DX, edx+4(FP)
	RET
