package engine

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/simrun/simrun/internal/atomicfile"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

// A chunkStore keeps the chunks of a run: which are done, a bit each in
// memory, and, for a run that writes outputs, their accumulators in place
// in the chunks.bin it builds (report.ChunksBuilder over a temporary
// file beside the journal), not in memory: a run of 10^7 chunks holds
// 1.25 MB of bits, not 400 MB of accumulators. Writes are gathered, up to
// storeBuffer bytes, and written a run of consecutive chunks at a time:
// results arrive in batches in chunk order, so a million chunks cost a
// few thousand writes.
type chunkStore struct {
	sim.ChunkLayout
	points  int64
	shard   *Shard           // the chunks the store holds, all if nil
	done    []uint64         // by the chunk's place among the shard's
	file    *atomicfile.File // nil for a shard, which keeps only its journal
	b       *report.ChunksBuilder
	size    int     // bytes of one chunk's accumulators
	pend    []int64 // the chunks gathered, in arrival order
	buf     []byte  // their accumulators, size bytes each
	runs    []gatheredRun
	scratch []sim.Acc

	// The feed of the points from the file, once startFeed has started
	// it, and the first chunk not yet done and in the file.
	pf       *pointFeed
	frontier int64

	// Of an adaptive budget, the chunks of each point's prefix once its
	// rounds have stopped (stop), 0 until then.
	stopped []int64
}

const storeBuffer = 4 << 20

// newChunkStore returns the store of the chunks of points points of
// layout l that shard owns (all if nil), none done, and for a store of
// all, the temporary chunks.bin in dir that commit puts in place. A
// shard's keeps only which of its chunks are done: a bit each, not one
// for every chunk of the campaign.
func newChunkStore(dir string, l sim.ChunkLayout, points int64, shard *Shard) (*chunkStore, error) {
	n := points * l.Chunks
	if shard != nil {
		n = shard.size(n)
	}
	s := &chunkStore{ChunkLayout: l, points: points, shard: shard, done: make([]uint64, (n+63)/64), size: l.Obs * sim.AccSize, scratch: make([]sim.Acc, l.Obs)}
	if shard != nil {
		return s, nil
	}
	f, err := atomicfile.Create(filepath.Join(dir, ChunksFile))
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	if s.b, err = report.NewChunksBuilder(f.File, l, points); err != nil {
		f.Abort()
		return nil, fmt.Errorf("engine: %w", err)
	}
	s.file = f
	return s, nil
}

// Len returns the number of chunks.
func (s *chunkStore) Len() int64 { return s.points * s.Chunks }

// Done reports whether chunk g is done (and owned).
func (s *chunkStore) Done(g int64) bool {
	k, ok := s.bit(g)
	return ok && s.done[k/64]&(1<<(k%64)) != 0
}

// bit returns the place of chunk g among the store's, if it has g.
func (s *chunkStore) bit(g int64) (int64, bool) {
	if s.shard == nil {
		return g, true
	}
	if !s.shard.owns(g) {
		return 0, false
	}
	return g / int64(s.shard.Count), true
}

// PointDone reports whether every chunk of point p is done.
func (s *chunkStore) PointDone(p int64) bool {
	for c := range s.Chunks {
		if !s.Done(s.Index(p, c)) {
			return false
		}
	}
	return true
}

// stop records that point p stopped at a prefix of k chunks, and marks
// the rest of its chunks done, never to be run: they stay empty in the
// file, where the reduction skips them, and the feed's frontier passes
// the point once its prefix is in. Only a store of every chunk stops
// points.
func (s *chunkStore) stop(p, k int64) {
	if s.stopped == nil {
		s.stopped = make([]int64, s.points)
	}
	s.stopped[p] = k
	for c := k; c < s.Chunks; c++ {
		g := s.Index(p, c)
		s.done[g/64] |= 1 << (g % 64)
	}
}

// needed returns the chunks the run needs: of an adaptive budget, the
// prefixes of the points that stopped and at most every chunk of the
// others; of a fixed one, all it owns.
func (s *chunkStore) needed() int64 {
	if s.stopped == nil {
		return s.Len()
	}
	var n int64
	for _, k := range s.stopped {
		if k == 0 {
			k = s.Chunks
		}
		n += k
	}
	return n
}

// check returns the error of decoding accs, a result's accumulators.
func (s *chunkStore) check(accs []byte) error { return sim.DecodeAccs(accs, s.scratch) }

// put marks chunk g done, with the encoded accumulators accs (checked),
// and gathers their write.
func (s *chunkStore) put(g int64, accs []byte) error {
	k, ok := s.bit(g)
	if !ok {
		return nil
	}
	s.done[k/64] |= 1 << (k % 64)
	if s.b == nil {
		return nil
	}
	s.pend = append(s.pend, g)
	s.buf = append(s.buf, accs...)
	if len(s.buf) >= storeBuffer {
		return s.drain()
	}
	return nil
}

// drain writes the gathered chunks, one write per run of them that
// arrived one after another in chunk order (a worker's batch of results),
// straight from the buffer, in chunk order: sorting the runs, not the
// chunks, which cost a quarter of the parent's time on trivial chunks.
func (s *chunkStore) drain() error {
	if len(s.pend) == 0 {
		return nil
	}
	s.runs = s.runs[:0]
	for i, g := range s.pend {
		if n := len(s.runs); n > 0 {
			if r := &s.runs[n-1]; g == r.g+int64(r.n) {
				r.n++
				continue
			}
		}
		s.runs = append(s.runs, gatheredRun{g: g, i: i, n: 1})
	}
	slices.SortFunc(s.runs, func(a, b gatheredRun) int { return cmp.Compare(a.g, b.g) })
	for _, r := range s.runs {
		if err := s.b.SetChunks(r.g, s.buf[r.i*s.size:(r.i+r.n)*s.size]); err != nil {
			return fmt.Errorf("engine: %w", err)
		}
	}
	// Start writing them to disk now, while the run goes on, rather than
	// all at the commit's sync: for 1.5 million trivial chunks that sync
	// was a seventh of the run, the CPUs idle.
	s.file.WriteBack()
	s.pend, s.buf = s.pend[:0], s.buf[:0]
	s.advance()
	return nil
}

// A gatheredRun is n gathered chunks from chunk g on, from the i-th
// gathered on.
type gatheredRun struct {
	g    int64
	i, n int
}

// advance hands the feed the points done since the last call, if it is
// started: results arrive nearly in chunk order, so that the points are
// reduced, and their tables written, while the run goes on.
//
// Only a store of every chunk has a feed: chunk g is then bit g, and the
// frontier moves a word of bits at a time where it can, so that a run
// scans its bits once in all, however many points or chunks it has.
func (s *chunkStore) advance() {
	if s.pf == nil {
		return
	}
	g, n := s.frontier, s.Len()
	for g < n {
		if g%64 == 0 && g+64 <= n && s.done[g/64] == ^uint64(0) {
			g += 64
			continue
		}
		if s.done[g/64]&(1<<(g%64)) == 0 {
			break
		}
		g++
	}
	s.frontier = g
	s.pf.advance(g / s.Chunks)
}

// startFeed starts the reduction of the points from the chunks.bin being
// built, of each point once it is done and its chunks written (the
// journal's first, which are written now); when the run is over, feed
// releases the rest.
func (s *chunkStore) startFeed(e *sim.Experiment) (*pointFeed, error) {
	if err := s.drain(); err != nil {
		return nil, err
	}
	s.pf = newFeed(e, s.file.File, s.commit, nil)
	s.pf.wrote = filepath.Join(filepath.Dir(s.file.Name()), ChunksFile)
	s.advance()
	return s.pf, nil
}

// feed drains what is gathered and releases the rest of the points to
// startFeed's feed, while the checksum of chunks.bin is computed
// (Finish); when both are done, the feed puts chunks.bin in place before
// it is done: whatever is written from the points is written after the
// chunks they come from. If the drain fails, so does the feed.
func (s *chunkStore) feed(failures []report.Failure) error {
	err := s.drain()
	check := s.b.Finish
	if err != nil {
		check = func() error { return err }
	}
	s.pf.release(s.PointDone, failures, check)
	return err
}

// commit puts the completed chunks.bin in place.
func (s *chunkStore) commit() error {
	if err := s.file.Commit(); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	return nil
}

// abort removes the temporary chunks.bin, if any.
func (s *chunkStore) abort() {
	if s.file != nil {
		s.file.Abort()
	}
}
