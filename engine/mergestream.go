package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/simrun/simrun/figure"
	"github.com/simrun/simrun/internal/atomicfile"
	"github.com/simrun/simrun/journal"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

// A merge reads the shards one at a time and writes their chunks in
// place into chunks.bin (report.ChunksBuilder), then reduces the points
// from that file in chunk order, one point at a time: beside the results
// (a few hundred bytes a point), it holds one shard's journal and a block
// buffer of at most mergeBlockBytes, not the campaign's chunks, whatever
// the number of shards. Only a histogram figure, which plots every
// chunk's estimate, reads the whole chunk table back.
//
// Shard i holds chunks i, i+N, i+2N, ...: a block of B consecutive shards
// holds, for each k, the run of chunks kN+i0 ... kN+i0+B-1, which the
// block buffer gathers so that each run costs one write, not one per chunk.
const mergeBlockBytes = 4 << 20

// mergeBlock gathers the chunks of shards first, first+1, ..., first+len
// of n, ready to write: row k holds chunks kN+first ... kN+first+len-1.
type mergeBlock struct {
	first, shards int   // the block's shards
	n             int64 // shards in all
	rows          int64 // rows: the chunks of the block's first (largest) shard
	size          int   // bytes of one chunk's accumulators
	buf           []byte
	seen          []bool // by row·shards + column
}

// blockShards is how many shards a block holds: as many as fit in
// mergeBlockBytes, at least one.
func blockShards(x *chunkIndex, n int) int {
	perShard := (x.total/int64(n) + 1) * int64(x.layout.Obs*sim.AccSize)
	return int(max(1, min(int64(n), mergeBlockBytes/perShard)))
}

func (m *mergeBlock) reset(first, shards int, x *chunkIndex) {
	m.first, m.shards = first, shards
	m.rows = Shard{first, int(m.n)}.size(x.total)
	cells := m.rows * int64(shards)
	m.buf = slices.Grow(m.buf[:0], int(cells)*m.size)[:int(cells)*m.size]
	m.seen = slices.Grow(m.seen[:0], int(cells))[:cells]
	clear(m.buf)
	clear(m.seen)
}

// readShard adds the chunks that shard s's journal in dir holds, and
// returns how many of the shard's chunks it lacks, and the global
// indices of the first three.
func (m *mergeBlock) readShard(en *Engine, dir string, x *chunkIndex, s Shard) (lacking int64, first []int64, err error) {
	path := filepath.Join(dir, JournalFile)
	rawHdr, records, _, err := journal.Read(path)
	if err != nil {
		return 0, nil, en.unusableJournal(dir, err, false)
	}
	col := int64(s.Index - m.first)
	have := int64(0)
	_, err = eachChunk(path, rawHdr, records, x, func(g int64, accs []byte) error {
		if !s.owns(g) {
			return nil
		}
		cell := g/m.n*int64(m.shards) + col
		if !m.seen[cell] {
			m.seen[cell] = true
			have++
			copy(m.buf[cell*int64(m.size):], accs)
		}
		return nil
	})
	if err != nil {
		return 0, nil, err
	}
	owned := s.size(x.total)
	for k := int64(0); k < owned && len(first) < 3; k++ {
		if !m.seen[k*int64(m.shards)+col] {
			first = append(first, int64(s.Index)+k*m.n)
		}
	}
	return owned - have, first, nil
}

// write writes the block's runs of chunks into b.
func (m *mergeBlock) write(b *report.ChunksBuilder, total int64) error {
	for k := range m.rows {
		g := k*m.n + int64(m.first)
		run := min(int64(m.shards), total-g)
		if run <= 0 {
			break
		}
		lo := k * int64(m.shards) * int64(m.size)
		if err := b.SetChunks(g, m.buf[lo:lo+run*int64(m.size)]); err != nil {
			return err
		}
	}
	return nil
}

// mergeProblems describes the shards that keep a merge from happening.
type mergeProblems struct {
	list   []string
	failed bool // a shard recorded chunks that failed in the kernel
}

func (m *mergeProblems) add(format string, args ...any) {
	m.list = append(m.list, fmt.Sprintf(format, args...))
}

// err is the merge's error: an *InputError for shards that are only
// incomplete, which running them again completes (simrun merge exits 2,
// and an auto-resuming merge job resubmits them), and a plain error when
// a chunk failed in the kernel, which running it again repeats (exit 1).
func (m *mergeProblems) err(outDir string) error {
	if m.failed {
		return fmt.Errorf("engine: cannot merge %s: %s; fix the kernel, then rerun the incomplete shards (simrun submit --resume, or simrun run --shard I/N) and merge again", outDir, strings.Join(m.list, "; "))
	}
	return inputErrorf("engine: cannot merge %s: %s; rerun the incomplete shards (simrun submit --resume, or simrun run --shard I/N), then merge again", outDir, strings.Join(m.list, "; "))
}

// mergeChunks builds chunks.bin in outDir from the n shards (have says
// which exist) and reduces every point from it, in chunk order. If a
// shard is missing or incomplete, it writes nothing and returns the
// problems' error.
func (en *Engine) mergeChunks(outDir string, e *sim.Experiment, n int, have map[int]bool) ([]report.PointResult, error) {
	x := newChunkIndex(e)
	l := e.Layout()
	var problems mergeProblems
	var points []report.PointResult
	err := atomicfile.WriteFileAt(filepath.Join(outDir, ChunksFile), func(f *os.File) error {
		b, err := report.NewChunksBuilder(f, l, e.NumPoints())
		if err != nil {
			return err
		}
		block := &mergeBlock{n: int64(n), size: l.Obs * sim.AccSize}
		per := blockShards(x, n)
		for i := range n {
			s := Shard{i, n}
			if i%per == 0 {
				if i > 0 && len(problems.list) == 0 {
					if err := block.write(b, x.total); err != nil {
						return err
					}
				}
				block.reset(i, min(per, n-i), x)
			}
			dir := ShardDir(outDir, s)
			if !have[i] {
				problems.add("shard %s has not run (no %s)", s, dir)
				continue
			}
			lacking, first, err := block.readShard(en, dir, x, s)
			if err != nil {
				return err
			}
			if lacking == 0 {
				continue
			}
			var where []string
			for _, g := range first {
				p, c := l.Split(g)
				where = append(where, fmt.Sprintf("point %d chunk %d", p, c))
			}
			if lacking > int64(len(first)) {
				where = append(where, "...")
			}
			problems.add("shard %s lacks %d chunks (%s)", s, lacking, strings.Join(where, ", "))
			failures, err := ShardFailures(outDir, s)
			if err != nil {
				return err
			}
			if len(failures) > 0 {
				f := failures[0]
				problems.failed = true
				problems.add("shard %s: %d chunks failed in the kernel, the first point %d (%s) chunk %d: %s; rerun it with %s",
					s, len(failures), f.Point, f.Key, f.Chunk, firstLine(f.Error), f.Rerun)
			}
		}
		if len(problems.list) == 0 {
			if err := block.write(b, x.total); err != nil {
				return err
			}
		}
		if len(problems.list) > 0 {
			return problems.err(outDir)
		}
		// Every chunk is there, or problems said which are not.
		points, _, err = reducePoints(e, f, func(int64) bool { return true }, nil, b.Finish)
		return err
	})
	if len(problems.list) > 0 {
		return nil, problems.err(outDir) // not wrapped by atomicfile: the error is the user's to act on
	}
	return points, err
}

// histogramChunks returns the chunk table of the merged run in outDir if
// one of e's figures is a histogram, which plots every chunk's estimate,
// and nil otherwise.
func histogramChunks(outDir string, e *sim.Experiment) (*sim.ChunkTable, error) {
	needed := false
	for _, p := range e.Plots {
		needed = needed || p.WithDefaults().Kind == figure.KindHistogram
	}
	if !needed {
		return nil, nil
	}
	return readChunksFile(outDir, e)
}

// firstLine returns s up to its first newline: a panic's message without
// its stack.
func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}
