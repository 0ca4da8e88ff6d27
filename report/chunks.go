package report

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/simrun/simrun/sim"
)

// The chunk estimates file: every chunk accumulator of a run, so that
// figures of per-chunk estimates can be redrawn without running again.
// All integers are little-endian:
//
//	magic          8 bytes  "SIMRUNCH"
//	version        u32      chunksVersion
//	nobs           u32      observables per chunk
//	chunksPerPoint u64
//	count          u64      number of accumulators
//	count times:   N u64, then Mean, M2, Min, Max as f64 bits (40 bytes)
//	crc            u32      CRC-32C (Castagnoli) of every byte before it
//
// The accumulators are laid out [point][chunk][observable], so count is a
// multiple of nobs·chunksPerPoint.
const (
	chunksMagic   = "SIMRUNCH"
	chunksVersion = 1
	chunksHeader  = 8 + 4 + 4 + 8 + 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checkLayout reports whether count accumulators fill whole points of
// chunksPerPoint chunks of nobs observables.
func checkLayout(nobs int64, chunksPerPoint int64, count uint64) error {
	if nobs < 0 || nobs > math.MaxUint32 || chunksPerPoint < 0 {
		return fmt.Errorf("invalid layout: %d observables, %d chunks per point", nobs, chunksPerPoint)
	}
	if count == 0 {
		return nil
	}
	if nobs == 0 || chunksPerPoint == 0 || uint64(chunksPerPoint) > math.MaxUint64/uint64(nobs) ||
		count%(uint64(nobs)*uint64(chunksPerPoint)) != 0 {
		return fmt.Errorf("%d accumulators do not fill whole points of %d chunks of %d observables",
			count, chunksPerPoint, nobs)
	}
	return nil
}

// WriteChunks writes the chunk estimates file of t: its layout and every
// accumulator (sim.AppendAcc). It returns an error if t's layout is
// invalid, or if w fails.
func WriteChunks(w io.Writer, t *sim.ChunkTable) error {
	nobs, chunksPerPoint, accs := t.Obs, t.Chunks, t.Accs()
	if err := checkLayout(int64(nobs), chunksPerPoint, uint64(len(accs))); err != nil {
		return fmt.Errorf("report: write chunks: %w", err)
	}
	// Encode into one large buffer, checksummed and written as it fills:
	// a run of a million chunks writes 40 MB, which in small writes costs
	// more in system calls than in encoding.
	var crc uint32
	buf := make([]byte, 0, 1<<18)
	flush := func() error {
		crc = crc32.Update(crc, castagnoli, buf)
		_, err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	buf = append(buf, chunksMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, chunksVersion)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(nobs))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(chunksPerPoint))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(accs)))
	for _, a := range accs {
		if len(buf)+sim.AccSize > cap(buf) {
			if err := flush(); err != nil {
				return fmt.Errorf("report: write chunks: %w", err)
			}
		}
		buf = sim.AppendAcc(buf, a)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("report: write chunks: %w", err)
	}
	if _, err := w.Write(binary.LittleEndian.AppendUint32(nil, crc)); err != nil {
		return fmt.Errorf("report: write chunks: %w", err)
	}
	return nil
}

// ReadChunks reads a file written by WriteChunks and returns its table
// exactly, a chunk marked done when it holds samples (sim.ChunkTableOf).
// It returns an error, never a partial result, for a file with the wrong
// magic or version, a layout that is not whole points, a truncated file
// (wrapping io.ErrUnexpectedEOF), trailing bytes, or a checksum that does
// not match.
func ReadChunks(r io.Reader) (*sim.ChunkTable, error) {
	var accs []sim.Acc
	l, err := scanChunks(r, func(count uint64) {
		// Grow as the data arrives rather than trusting count for the
		// allocation: a corrupt header must not allocate terabytes.
		accs = make([]sim.Acc, 0, min(count, 1<<16))
	}, func(b []byte) {
		for ; len(b) > 0; b = b[sim.AccSize:] {
			accs = append(accs, sim.DecodeAcc(b))
		}
	})
	if err != nil {
		return nil, err
	}
	return sim.ChunkTableOf(l, accs), nil
}

// CheckChunks reads a chunk estimates file through, as ReadChunks does,
// and returns the error ReadChunks would, without keeping its
// accumulators: memory bounded by a buffer, whatever the file's size.
func CheckChunks(r io.Reader) error {
	_, err := scanChunks(r, func(uint64) {}, func([]byte) {})
	return err
}

// scanChunks reads a chunk estimates file, calling start with its count of
// accumulators and then keep with them, encoded, a whole number at a time,
// and checks its checksum and that nothing follows.
func scanChunks(r io.Reader, start func(count uint64), keep func([]byte)) (sim.ChunkLayout, error) {
	fail := func(format string, args ...any) (sim.ChunkLayout, error) {
		return sim.ChunkLayout{}, fmt.Errorf("report: read chunks: "+format, args...)
	}
	crc := crc32.New(castagnoli)
	br := bufio.NewReaderSize(r, 1<<18)
	tr := io.TeeReader(br, crc)
	l, count, err := readChunksHeader(tr)
	if err != nil {
		return l, err
	}
	start(count)
	buf := make([]byte, 4096*sim.AccSize)
	for i := uint64(0); i < count; {
		n := min(count-i, uint64(len(buf)/sim.AccSize))
		if got, err := io.ReadFull(tr, buf[:n*sim.AccSize]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return fail("truncated after %d of %d accumulators: %w", i+uint64(got/sim.AccSize), count, io.ErrUnexpectedEOF)
			}
			return fail("%w", err)
		}
		keep(buf[:n*sim.AccSize])
		i += n
	}
	want := crc.Sum32()
	var sum [4]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail("truncated checksum: %w", io.ErrUnexpectedEOF)
		}
		return fail("%w", err)
	}
	if got := binary.LittleEndian.Uint32(sum[:]); got != want {
		return fail("checksum mismatch (file says %08x, data has %08x): the file is corrupt", got, want)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		if err != nil {
			return fail("%w", err)
		}
		return fail("trailing data after the checksum")
	}
	return l, nil
}

// readChunksHeader reads and checks the header of a chunk estimates file:
// its layout and its number of accumulators.
func readChunksHeader(r io.Reader) (sim.ChunkLayout, uint64, error) {
	fail := func(format string, args ...any) (sim.ChunkLayout, uint64, error) {
		return sim.ChunkLayout{}, 0, fmt.Errorf("report: read chunks: "+format, args...)
	}
	var h [chunksHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail("truncated header: %w", io.ErrUnexpectedEOF)
		}
		return fail("%w", err)
	}
	if string(h[:8]) != chunksMagic {
		return fail("not a chunk estimates file (magic %q, want %q)", h[:8], chunksMagic)
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != chunksVersion {
		return fail("unsupported version %d, want %d", v, chunksVersion)
	}
	n32 := binary.LittleEndian.Uint32(h[12:])
	cpp := binary.LittleEndian.Uint64(h[16:])
	count := binary.LittleEndian.Uint64(h[24:])
	if cpp > math.MaxInt64 {
		return fail("invalid chunks per point %d", cpp)
	}
	if err := checkLayout(int64(n32), int64(cpp), count); err != nil {
		return fail("%w", err)
	}
	return sim.ChunkLayout{Chunks: int64(cpp), Obs: int(n32)}, count, nil
}

// ReadChunksLayout reads only the header of the chunk estimates file at
// path and checks its size: its layout and number of points, without
// reading (or checksumming) the accumulators.
func ReadChunksLayout(path string) (l sim.ChunkLayout, points int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return l, 0, fmt.Errorf("report: read chunks: %w", err)
	}
	defer f.Close()
	l, count, err := readChunksHeader(f)
	if err != nil {
		return l, 0, fmt.Errorf("%s: %w", path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return l, 0, fmt.Errorf("report: read chunks: %w", err)
	}
	if count > math.MaxInt64/sim.AccSize || fi.Size() != chunksHeader+int64(count)*sim.AccSize+4 {
		return l, 0, fmt.Errorf("report: read chunks: %s: %d bytes, not the %d accumulators its header announces", path, fi.Size(), count)
	}
	if count > 0 {
		points = int64(count) / (l.Chunks * int64(l.Obs))
	}
	return l, points, nil
}
