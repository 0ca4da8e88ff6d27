package journal

import (
	"encoding/binary"
	"hash/crc32"
	"math/rand/v2"
	"testing"
)

// TestScannerSum: the checksum of a frame computed from the scanner's
// checkpoints is the one computed from its bytes (journalSum), for
// payloads that start and end on either side of checkpoints.
func TestScannerSum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 5*markEvery+123)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	sc := &scanner{data: data}
	for _, tt := range []struct {
		name   string
		off, n int
	}{
		{"empty payload", 0, 0},
		{"one byte", 1, 1},
		{"from the start", 0, 3 * markEvery},
		{"ending on a checkpoint", 0, 2*markEvery - journalFrame},
		{"starting on a checkpoint", markEvery - journalFrame, markEvery},
		{"across checkpoints", 17, 4*markEvery + 5},
		{"to the end", 100, len(data) - 100 - journalFrame},
		{"the last byte", len(data) - journalFrame - 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := journalSum(data[tt.off:tt.off+4], data[tt.off+journalFrame:tt.off+journalFrame+tt.n])
			if got := sc.sum(tt.off, tt.n); got != want {
				t.Errorf("sum(%d, %d) = %#x, want %#x", tt.off, tt.n, got, want)
			}
		})
	}
	for range 1000 {
		off := r.IntN(len(data) - journalFrame)
		n := r.IntN(len(data) - off - journalFrame + 1)
		want := journalSum(data[off:off+4], data[off+journalFrame:off+journalFrame+n])
		if got := sc.sum(off, n); got != want {
			t.Fatalf("sum(%d, %d) = %#x, want %#x", off, n, got, want)
		}
	}
}

// TestCRCShift: the register after n zero bytes, from the matrices, is
// the one crc32.Update computes byte by byte.
func TestCRCShift(t *testing.T) {
	zeros := make([]byte, 3*markEvery)
	for _, n := range []int{0, 1, 2, 3, 7, 8, 255, 256, 1000, markEvery, len(zeros)} {
		for _, r := range []uint32{0, 1, 0x80000000, 0xdeadbeef, 0xffffffff} {
			want := ^crc32.Update(^r, journalTable, zeros[:n])
			if got := crcShift(r, n); got != want {
				t.Errorf("crcShift(%#x, %d) = %#x, want %#x", r, n, got, want)
			}
		}
	}
	if got, want := len(crcPowers()), 27; got != want { // 2^26 = MaxRecord
		t.Errorf("%d powers, want %d", got, want)
	}
}

// TestScannerFindsLongRecords: records long enough to be checked from the
// checkpoints are found among garbage, and none where there are none.
func TestScannerFindsLongRecords(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	randomBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	var data []byte
	var want []int
	for _, n := range []int{3 * markEvery, 100, 2*markEvery + 1, 10 * markEvery} {
		data = append(data, randomBytes(r.IntN(300))...)
		want = append(want, len(data))
		data = appendJournalRecord(data, randomBytes(n))
	}
	data = append(data, randomBytes(500)...)
	var got []int
	(&scanner{data: data}).each(0, func(start, end int) {
		got = append(got, start)
		if n := binary.LittleEndian.Uint32(data[start:]); end != start+journalFrame+int(n) {
			t.Errorf("record at %d: end %d, want %d", start, end, start+journalFrame+int(n))
		}
	})
	if len(got) != len(want) {
		t.Fatalf("found records at %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("found records at %v, want %v", got, want)
		}
	}
}
