package report

import (
	"errors"
	"fmt"
	"io"

	"github.com/simrun/simrun/sim"
)

// chunkBlock is how many bytes of accumulators a ChunkReader reads at
// once: a point of more is walked a block at a time.
const chunkBlock = 1 << 20

// A ChunkReader reads the chunks of a chunk estimates file (or of one
// being built, by ChunksBuilder) one point at a time, for a reduction:
// after Point(p), its Each walks point p's chunks in chunk order (it is a
// stats.Chunks), as often as asked. Points of up to a block (1 MB of
// accumulators) are read a block of points at a time, so that walking
// the points in order costs a read per megabyte; a larger point is
// walked from the file a block at a time, so that memory does not grow
// with the chunks: a point of 10^7 chunks is read in blocks, twice.
type ChunkReader struct {
	r      io.ReaderAt
	l      sim.ChunkLayout
	p      int64
	whole  bool // the point is in the block
	raw    []byte
	block  []sim.Acc // chunks lo to hi, decoded
	lo, hi int64
	accs   []sim.Acc // the point's, in block
	per    int64     // chunks in a block
	count  int64     // chunks to read no further than
	points int64     // in the file
}

// NewChunkReader returns a reader of the chunks in r, a chunk estimates
// file of layout l and points points.
func NewChunkReader(r io.ReaderAt, l sim.ChunkLayout, points int64) *ChunkReader {
	size := int64(l.Obs) * sim.AccSize
	return &ChunkReader{r: r, l: l, per: max(1, chunkBlock/max(size, 1)), count: points * l.Chunks, points: points}
}

// Bound makes the reader read ahead no further than the chunks of point
// hi-1: a reader of a part of the points then reads only that part.
func (cr *ChunkReader) Bound(hi int64) {
	cr.count = min(hi, cr.points) * cr.l.Chunks
}

// Point makes Each walk point p.
func (cr *ChunkReader) Point(p int64) error {
	cr.p = p
	first := cr.l.Index(p, 0)
	cr.whole = cr.l.Chunks <= cr.per
	if !cr.whole {
		return nil
	}
	if first < cr.lo || first+cr.l.Chunks > cr.hi {
		// The next block of whole points, from this one on.
		n := max(cr.l.Chunks, cr.per/cr.l.Chunks*cr.l.Chunks)
		if err := cr.read(first, min(n, cr.count-first)); err != nil {
			return err
		}
	}
	obs := int64(cr.l.Obs)
	lo := (first - cr.lo) * obs
	cr.accs = cr.block[lo : lo+cr.l.Chunks*obs]
	return nil
}

// read reads n chunks from chunk g on into the block.
func (cr *ChunkReader) read(g, n int64) error {
	obs := int64(cr.l.Obs)
	size := n * obs * sim.AccSize
	if int64(cap(cr.raw)) < size {
		cr.raw = make([]byte, size)
		cr.block = make([]sim.Acc, n*obs)
	}
	cr.raw, cr.block = cr.raw[:size], cr.block[:n*obs]
	cr.lo, cr.hi = 0, 0
	if _, err := cr.r.ReadAt(cr.raw, chunksHeader+g*obs*sim.AccSize); err != nil {
		return fmt.Errorf("report: read chunks of point %d: %w", cr.p, err)
	}
	if err := sim.DecodeAccs(cr.raw, cr.block); err != nil {
		return err
	}
	cr.lo, cr.hi = g, g+n
	return nil
}

// Each calls f with the accumulators of each chunk of the point, in
// chunk order; the slice is reused.
func (cr *ChunkReader) Each(f func(accs []sim.Acc) error) error {
	obs := int64(cr.l.Obs)
	accs := cr.accs
	for c := int64(0); c < cr.l.Chunks; c += cr.per {
		n := min(cr.per, cr.l.Chunks-c)
		if !cr.whole {
			if err := cr.read(cr.l.Index(cr.p, c), n); err != nil {
				return err
			}
			accs = cr.block
		}
		for i := range n {
			lo := i * obs
			if err := f(accs[lo : lo+obs : lo+obs]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Done reports whether every chunk of the point is done (sim.ChunkDone).
func (cr *ChunkReader) Done() (bool, error) {
	done := true
	err := cr.Each(func(accs []sim.Acc) error {
		if !sim.ChunkDone(accs) {
			done = false
			return errStop
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return done, err
}

var errStop = errors.New("stop")
