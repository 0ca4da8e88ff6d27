package report

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"

	"github.com/simrun/simrun/sim"
)

// A ChunksBuilder writes a chunk estimates file (the format WriteChunks
// writes) whose chunks arrive in any order, in memory bounded by one
// point rather than by every chunk: it lays out the whole file at once,
// every accumulator zero (no samples: a chunk not done, as ReadChunks
// reads it), writes each chunk in place as it comes, and Finish reads the
// file back in chunk order, once, to checksum it. A run, whose chunks
// arrive in any order, and a merge of shards, whose chunks interleave,
// write chunks.bin so.
type ChunksBuilder struct {
	f      *os.File
	l      sim.ChunkLayout
	points int64
}

// NewChunksBuilder lays out in f, an empty file open for reading and
// writing, the chunk estimates of points points of layout l, none done.
func NewChunksBuilder(f *os.File, l sim.ChunkLayout, points int64) (*ChunksBuilder, error) {
	count := uint64(points) * uint64(l.Chunks) * uint64(l.Obs)
	if err := checkLayout(int64(l.Obs), l.Chunks, count); err != nil {
		return nil, fmt.Errorf("report: build chunks: %w", err)
	}
	h := make([]byte, 0, chunksHeader)
	h = append(h, chunksMagic...)
	h = binary.LittleEndian.AppendUint32(h, chunksVersion)
	h = binary.LittleEndian.AppendUint32(h, uint32(l.Obs))
	h = binary.LittleEndian.AppendUint64(h, uint64(l.Chunks))
	h = binary.LittleEndian.AppendUint64(h, count)
	if _, err := f.WriteAt(h, 0); err != nil {
		return nil, fmt.Errorf("report: build chunks: %w", err)
	}
	// Truncate extends the file with zeros, which file systems store
	// sparsely until written: no write of every byte up front.
	if err := f.Truncate(chunksHeader + int64(count)*sim.AccSize); err != nil {
		return nil, fmt.Errorf("report: build chunks: %w", err)
	}
	return &ChunksBuilder{f: f, l: l, points: points}, nil
}

// SetChunks writes the accumulators of chunks g, g+1, ..., as many as
// accs holds, encoded as sim.AppendAccs encodes them (as a journal record
// holds them): a run of chunks costs one write.
func (b *ChunksBuilder) SetChunks(g int64, accs []byte) error {
	size := int64(b.l.Obs * sim.AccSize)
	n := int64(len(accs)) / size
	if int64(len(accs)) != n*size || g < 0 || g+n > b.points*b.l.Chunks {
		return fmt.Errorf("report: build chunks: chunks %d to %d of %d, in %d bytes of %d-byte chunks", g, g+n-1, b.points*b.l.Chunks, len(accs), size)
	}
	if _, err := b.f.WriteAt(accs, chunksHeader+g*size); err != nil {
		return fmt.Errorf("report: build chunks: %w", err)
	}
	return nil
}

// Finish reads the file back in chunk order, once, in blocks, and
// appends its checksum. The file is then complete; syncing, closing and
// renaming it are the caller's. Its points are read back with a
// ChunkReader, meanwhile or after.
func (b *ChunksBuilder) Finish() error {
	fail := func(err error) error { return fmt.Errorf("report: build chunks: %w", err) }
	size := chunksHeader + b.points*b.l.Chunks*int64(b.l.Obs)*sim.AccSize
	crc := crc32.New(castagnoli)
	if _, err := io.Copy(crc, io.NewSectionReader(b.f, 0, size)); err != nil {
		return fail(err)
	}
	if _, err := b.f.WriteAt(binary.LittleEndian.AppendUint32(nil, crc.Sum32()), size); err != nil {
		return fail(err)
	}
	return nil
}
