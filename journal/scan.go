package journal

import (
	"encoding/binary"
	"hash/crc32"
	"sync"
)

// Where a record is not intact, the intact records after it are found by
// trying every byte offset as the start of a frame. Checking a frame costs
// a checksum of its payload, and the payload of a frame read from damaged
// bytes is up to MaxRecord long: a megabyte of garbage in the middle of a
// large journal would cost hours. A scanner checks a long frame in time
// independent of its length instead, from checkpoints of the checksum of
// the whole file: the CRC of a range of bytes follows from the CRCs of the
// prefixes that end where it starts and ends, because a CRC is linear.

// intactAt reports whether an intact record starts at data[off:], and
// returns the offset after it if so.
func intactAt(data []byte, off int) (end int, ok bool) {
	rest := data[off:]
	if len(rest) < journalFrame {
		return 0, false
	}
	n := binary.LittleEndian.Uint32(rest)
	if n > MaxRecord || uint64(len(rest)-journalFrame) < uint64(n) {
		return 0, false
	}
	if journalSum(rest[:4], rest[journalFrame:journalFrame+n]) != binary.LittleEndian.Uint32(rest[4:]) {
		return 0, false
	}
	return off + journalFrame + int(n), true
}

// A scanner finds the intact records in data wherever they start.
type scanner struct {
	data []byte
	// marks[j] is the CRC register, started at zero, after
	// data[:j*markEvery]: computed at the first long frame.
	marks []uint32
}

// markEvery is the distance in bytes between the scanner's checkpoints.
// A frame with a payload longer than twice this is checked from them.
const markEvery = 4096

// intactAt is intactAt(s.data, off).
func (s *scanner) intactAt(off int) (end int, ok bool) {
	rest := s.data[off:]
	if len(rest) < journalFrame {
		return 0, false
	}
	n := binary.LittleEndian.Uint32(rest)
	if n > MaxRecord || uint64(len(rest)-journalFrame) < uint64(n) {
		return 0, false
	}
	if n <= 2*markEvery {
		return intactAt(s.data, off)
	}
	if s.sum(off, int(n)) != binary.LittleEndian.Uint32(rest[4:]) {
		return 0, false
	}
	return off + journalFrame + int(n), true
}

// sum returns the checksum of the frame at data[off:] with a payload of n
// bytes, which the data holds: journalSum, computed from the marks.
func (s *scanner) sum(off, n int) uint32 {
	if s.marks == nil {
		s.marks = make([]uint32, len(s.data)/markEvery+1)
		for j := 1; j < len(s.marks); j++ {
			s.marks[j] = crcRegister(s.marks[j-1], s.data[(j-1)*markEvery:j*markEvery])
		}
	}
	// The register after the length bytes, then after the payload
	// data[a:b]: with P(k) the register after data[:k] (from zero),
	// P(b) = shift(P(a), n) ^ L, where L is the register after the
	// payload alone, from zero; and the register after the payload from
	// r is shift(r, n) ^ L = shift(r ^ P(a), n) ^ P(b).
	r := ^crc32.Update(0, journalTable, s.data[off:off+4])
	a := off + journalFrame
	b := a + n
	return ^(crcShift(r^s.prefix(a), n) ^ s.prefix(b))
}

// prefix returns the CRC register, from zero, after data[:k].
func (s *scanner) prefix(k int) uint32 {
	j := k / markEvery
	return crcRegister(s.marks[j], s.data[j*markEvery:k])
}

// next returns the offset of the first intact record that starts in
// data[from:], or -1 if none does.
func (s *scanner) next(from int) int {
	for p := from; p+journalFrame <= len(s.data); p++ {
		if _, ok := s.intactAt(p); ok {
			return p
		}
	}
	return -1
}

// each calls f with the start and end offsets of every intact record in
// data[from:], in order: a record after another is taken as it is, and
// where a record is not intact the search goes on one byte further.
func (s *scanner) each(from int, f func(start, end int)) {
	for p := from; p >= 0 && p < len(s.data); {
		if end, ok := s.intactAt(p); ok {
			f(p, end)
			p = end
			continue
		}
		p = s.next(p + 1)
	}
}

// crcRegister returns the CRC-32C register after b, from the register r.
// (crc32.Update works on the complement of the register.)
func crcRegister(r uint32, b []byte) uint32 {
	return ^crc32.Update(^r, journalTable, b)
}

// crcShift returns the CRC-32C register r after n zero bytes, in time
// logarithmic in n: the register after a zero byte is a linear function
// of the register before, a 32×32 matrix over GF(2), and crcPowers holds
// its powers 2^k.
func crcShift(r uint32, n int) uint32 {
	pow := crcPowers()
	for k := 0; n > 0; k, n = k+1, n>>1 {
		if n&1 != 0 {
			r = pow[k].apply(r)
		}
	}
	return r
}

// A gf2Matrix is a linear map of 32-bit vectors over GF(2): column i is
// the image of 1<<i.
type gf2Matrix [32]uint32

func (m *gf2Matrix) apply(v uint32) uint32 {
	var r uint32
	for i := 0; v != 0; i, v = i+1, v>>1 {
		if v&1 != 0 {
			r ^= m[i]
		}
	}
	return r
}

// crcPowers returns the maps of the CRC-32C register over 2^k zero bytes,
// for every payload length up to MaxRecord.
var crcPowers = sync.OnceValue(func() []gf2Matrix {
	pow := make([]gf2Matrix, 1, 32)
	for i := range pow[0] {
		pow[0][i] = crcRegister(1<<i, []byte{0})
	}
	for len(pow) < 32 && 1<<len(pow) <= MaxRecord {
		var sq gf2Matrix
		last := &pow[len(pow)-1]
		for i := range sq {
			sq[i] = last.apply(last[i])
		}
		pow = append(pow, sq)
	}
	return pow
})
