package engine

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"sync"

	"github.com/simrun/simrun/internal/atomicfile"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/stats"
)

// A chunkStore keeps the chunks of a run: which are done, a bit each in
// memory, and, for a run that writes outputs, their accumulators in place
// in the chunks.bin it builds (report.ChunksBuilder over a temporary
// file beside the journal), not in memory: a run of 10^7 chunks holds
// 1.25 MB of bits, not 400 MB of accumulators. Writes are gathered, up to
// storeBuffer bytes, sorted and coalesced into runs of consecutive
// chunks: results arrive nearly in chunk order, so a million chunks cost
// a few dozen writes.
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
	run     []byte  // a run of consecutive chunks, being written
	scratch []sim.Acc
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

// drain writes the gathered chunks, one write per run of consecutive ones.
func (s *chunkStore) drain() error {
	if len(s.pend) == 0 {
		return nil
	}
	order := make([]int, len(s.pend))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(s.pend[a], s.pend[b]) })
	start := int64(-1)
	flush := func() error {
		if start < 0 {
			return nil
		}
		err := s.b.SetChunks(start, s.run)
		s.run = s.run[:0]
		return err
	}
	for _, i := range order {
		g := s.pend[i]
		if start < 0 || g != start+int64(len(s.run)/s.size) {
			if err := flush(); err != nil {
				return fmt.Errorf("engine: %w", err)
			}
			start = g
		}
		s.run = append(s.run, s.buf[i*s.size:(i+1)*s.size]...)
	}
	if err := flush(); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	s.pend, s.buf = s.pend[:0], s.buf[:0]
	return nil
}

// feed drains what is gathered and starts the reduction of the points
// from the chunks.bin being built, while its checksum is computed
// (Finish); when both are done, it puts chunks.bin in place, before the
// feed is done: whatever is written from the points is written after the
// chunks they come from.
func (s *chunkStore) feed(e *sim.Experiment, failures []report.Failure) (*pointFeed, error) {
	if err := s.drain(); err != nil {
		return nil, err
	}
	f := startFeed(e, s.file.File, s.PointDone, failures, s.b.Finish, s.commit, nil)
	f.wrote = filepath.Join(filepath.Dir(s.file.Name()), ChunksFile)
	return f, nil
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

// reducePoints reduces the points of e from the chunk estimates file r
// of e's layout, as startFeed does, and returns them when all are done.
func reducePoints(e *sim.Experiment, r io.ReaderAt, pointDone func(int64) bool, failures []report.Failure, check func() error) (points []report.PointResult, partial bool, err error) {
	return startFeed(e, r, pointDone, failures, check, nil, nil).wait()
}

// A pointFeed is the reduction of a sweep's points from a chunk estimates
// file, under way: as many goroutines as there are cores each reduce a
// contiguous part of the sweep (each reading only its part of the file),
// each point by itself, so that the bits do not depend on how the sweep
// is cut. Only the points whose chunks are
// all done (pointDone, or if nil, by the chunks' sample counts, as a
// chunks.bin is read) and none failed are reduced.
type pointFeed struct {
	points []report.PointResult // by index; those not ok are zero
	ok     []bool
	done   chan struct{} // closed when all is done; then err is set
	err    error
	wrote  string // the chunks.bin that after put in place, if it does
}

// feedPart is the fewest points a goroutine of a feed reduces: below it,
// one goroutine costs less than starting more.
const feedPart = 1024

// startFeed starts the reduction of e's points from r, and check (if not
// nil) beside it; after both, if neither failed, after (if not nil).
// The feed's error is the first of theirs, passed through wrap if not
// nil.
func startFeed(e *sim.Experiment, r io.ReaderAt, pointDone func(int64) bool, failures []report.Failure, check, after func() error, wrap func(error) error) *pointFeed {
	failed := make(map[int64]bool)
	for _, f := range failures {
		failed[f.Point] = true
	}
	n := e.NumPoints()
	f := &pointFeed{points: make([]report.PointResult, n), ok: make([]bool, n), done: make(chan struct{})}
	workers := max(1, min(int64(runtime.GOMAXPROCS(0)), n/feedPart))
	errs := make([]error, workers+1)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			cr := report.NewChunkReader(r, e.Layout(), n)
			errs[w] = f.reduce(e, cr, w*n/workers, (w+1)*n/workers, failed, pointDone)
		})
	}
	go func() {
		if check != nil {
			errs[workers] = check()
		}
		wg.Wait()
		f.err = errors.Join(errs...)
		if f.err == nil && after != nil {
			f.err = after()
		}
		if f.err != nil && wrap != nil {
			f.err = wrap(f.err)
		}
		close(f.done)
	}()
	return f
}

// reduce reduces points lo to hi-1.
func (f *pointFeed) reduce(e *sim.Experiment, cr *report.ChunkReader, lo, hi int64, failed map[int64]bool, pointDone func(int64) bool) error {
	for p := lo; p < hi; p++ {
		if failed[p] || pointDone != nil && !pointDone(p) {
			continue
		}
		if err := cr.Point(p); err != nil {
			return err
		}
		if pointDone == nil {
			done, err := cr.Done()
			if err != nil {
				return err
			}
			if !done {
				continue
			}
		}
		params := e.PointParams(p)
		st, warns, err := stats.ReducePoint(e.Kernel, params, cr)
		if err != nil {
			return err
		}
		f.points[p], f.ok[p] = report.PointResult{Index: p, Params: params, Stats: st, Warnings: warns}, true
	}
	return nil
}

// wait waits for the whole reduction and returns the points reduced, in
// sweep order, and whether any was left out. Call it once: it compacts
// the points in place.
func (f *pointFeed) wait() (points []report.PointResult, partial bool, err error) {
	<-f.done
	if f.err != nil {
		return nil, false, f.err
	}
	kept := f.points[:0]
	for p, ok := range f.ok {
		if ok {
			kept = append(kept, f.points[p])
		}
	}
	clear(f.points[len(kept):]) // no stale copies of moved points
	return kept, len(kept) < len(f.ok), nil
}
