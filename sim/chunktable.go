package sim

import "slices"

// A ChunkLayout is how the chunks of an experiment are numbered and
// stored: chunk c of point p has the global index g = p·Chunks + c, the
// order in which chunks are dispatched, journaled, written to chunks.bin
// and reduced, and its Obs accumulators follow those of chunk g−1. The
// layout owns that arithmetic; nothing else computes it.
type ChunkLayout struct {
	Chunks int64 // chunks per point, ≥ 1
	Obs    int   // accumulators per chunk, one per observable
}

// Layout returns the layout of e's chunks.
func (e *Experiment) Layout() ChunkLayout {
	return ChunkLayout{Chunks: e.Budget.Chunks, Obs: len(e.Kernel.Observables)}
}

// Index returns the global index of chunk c of point p.
func (l ChunkLayout) Index(p, c int64) int64 { return p*l.Chunks + c }

// Split returns the point and the chunk of global index g.
func (l ChunkLayout) Split(g int64) (point, chunk int64) { return g / l.Chunks, g % l.Chunks }

// span returns the range of chunk g's accumulators.
func (l ChunkLayout) span(g int64) (lo, hi int64) {
	n := int64(l.Obs)
	return g * n, (g + 1) * n
}

// A ChunkTable holds the accumulators of every chunk of an experiment, in
// its ChunkLayout, and which chunks are done.
type ChunkTable struct {
	ChunkLayout
	accs []Acc
	done []bool
}

// NewChunkTable returns an empty table of the given number of points in
// layout l, no chunk done.
func NewChunkTable(l ChunkLayout, points int64) *ChunkTable {
	n := points * l.Chunks
	return &ChunkTable{ChunkLayout: l, accs: make([]Acc, n*int64(l.Obs)), done: make([]bool, n)}
}

// NewChunkTable returns an empty table for every chunk of e.
func (e *Experiment) NewChunkTable() *ChunkTable {
	return NewChunkTable(e.Layout(), e.NumPoints())
}

// ChunkTableOf returns a table over accs in layout l; len(accs) must be a
// multiple of l.Chunks·l.Obs. A chunk is marked done as ChunkDone says.
func ChunkTableOf(l ChunkLayout, accs []Acc) *ChunkTable {
	t := &ChunkTable{ChunkLayout: l, accs: accs, done: make([]bool, len(accs)/max(1, l.Obs))}
	for g := range t.done {
		t.done[g] = ChunkDone(t.Chunk(int64(g)))
	}
	return t
}

// ChunkDone reports whether a chunk whose accumulators were read back from
// a chunks.bin is done: whether any of them holds samples. A chunk that a
// partial run did not complete is all zero there.
func ChunkDone(accs []Acc) bool {
	return slices.ContainsFunc(accs, func(a Acc) bool { return a.N != 0 })
}

// Len returns the number of chunks in the table.
func (t *ChunkTable) Len() int64 { return int64(len(t.done)) }

// Points returns the number of points.
func (t *ChunkTable) Points() int64 {
	if t.Chunks == 0 {
		return 0
	}
	return t.Len() / t.Chunks
}

// Chunk returns the accumulators of chunk g, one per observable. The slice
// aliases the table.
func (t *ChunkTable) Chunk(g int64) []Acc {
	lo, hi := t.span(g)
	return t.accs[lo:hi:hi]
}

// PointChunks appends to dst[:0], for each chunk of point p in chunk
// order, its accumulators, and returns it.
func (t *ChunkTable) PointChunks(p int64, dst [][]Acc) [][]Acc {
	dst = slices.Grow(dst[:0], int(t.Chunks)) // once, not by doubling: a point may have millions of chunks
	for c := range t.Chunks {
		dst = append(dst, t.Chunk(t.Index(p, c)))
	}
	return dst
}

// Done reports whether chunk g is done.
func (t *ChunkTable) Done(g int64) bool { return t.done[g] }

// SetDone marks chunk g done.
func (t *ChunkTable) SetDone(g int64) { t.done[g] = true }

// PointDone reports whether every chunk of point p is done.
func (t *ChunkTable) PointDone(p int64) bool {
	return !slices.Contains(t.done[t.Index(p, 0):t.Index(p+1, 0)], false)
}

// Accs returns every accumulator, in the table's layout. The slice aliases
// the table.
func (t *ChunkTable) Accs() []Acc { return t.accs }
