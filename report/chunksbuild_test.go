package report

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/simrun/simrun/sim"
)

// TestChunksBuilder: chunks written out of order, some not at all, give
// the bytes WriteChunks writes of the same table, and a ChunkReader
// walks each point's chunks in order.
func TestChunksBuilder(t *testing.T) {
	l := sim.ChunkLayout{Chunks: 3, Obs: 2}
	const points = 4
	want := sim.NewChunkTable(l, points)
	for g := range want.Len() {
		if g == 5 || g == 10 {
			continue // not done
		}
		for o, a := range want.Chunk(g) {
			a.Add(float64(g) + float64(o)/10)
			a.Add(float64(g) * 1.5)
			want.Chunk(g)[o] = a
		}
		want.SetDone(g)
	}
	var golden bytes.Buffer
	if err := WriteChunks(&golden, want); err != nil {
		t.Fatal(err)
	}

	f, err := os.Create(filepath.Join(t.TempDir(), "chunks.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := NewChunksBuilder(f, l, points)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []int64{11, 0, 7, 3, 1, 4, 6} { // done chunks, out of order
		if err := b.SetChunks(g, sim.AppendAccs(nil, want.Chunk(g))); err != nil {
			t.Fatal(err)
		}
	}
	// A run of two chunks in one write.
	if err := b.SetChunks(8, sim.AppendAccs(sim.AppendAccs(nil, want.Chunk(8)), want.Chunk(9))); err != nil {
		t.Fatal(err)
	}
	if err := b.SetChunks(2, sim.AppendAccs(nil, want.Chunk(2))); err != nil {
		t.Fatal(err)
	}
	if err := b.SetChunks(11, make([]byte, 4*sim.AccSize)); err == nil {
		t.Error("SetChunks past the last chunk succeeded")
	}
	if err := b.SetChunks(1, make([]byte, sim.AccSize)); err == nil {
		t.Error("SetChunks with one accumulator of two succeeded")
	}
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	cr := NewChunkReader(f, l, points)
	for p := range int64(points) {
		if err := cr.Point(p); err != nil {
			t.Fatal(err)
		}
		c := int64(0)
		err := cr.Each(func(accs []sim.Acc) error {
			if g := l.Index(p, c); accs[0] != want.Chunk(g)[0] || accs[1] != want.Chunk(g)[1] {
				t.Errorf("point %d chunk %d: %v, want %v", p, c, accs, want.Chunk(g))
			}
			c++
			return nil
		})
		if err != nil || c != 3 {
			t.Fatalf("point %d: %d chunks (%v), want 3", p, c, err)
		}
		if done, err := cr.Done(); err != nil || done != !slices.Contains([]int64{1, 3}, p) {
			t.Errorf("point %d: done %v (%v), want %v", p, done, err, !slices.Contains([]int64{1, 3}, p))
		}
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, golden.Bytes()) {
		t.Errorf("built file (%d bytes) differs from WriteChunks's (%d bytes)", len(got), golden.Len())
	}
}

// TestChunkReaderBlocks: a point of more chunks than a block holds is
// walked a block at a time, as often as asked, in order.
func TestChunkReaderBlocks(t *testing.T) {
	l := sim.ChunkLayout{Chunks: 3*chunkBlock/sim.AccSize + 7, Obs: 1}
	f, err := os.Create(filepath.Join(t.TempDir(), "chunks.bin"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := NewChunksBuilder(f, l, 2)
	if err != nil {
		t.Fatal(err)
	}
	var enc []byte
	for c := range l.Chunks {
		enc = sim.AppendAcc(enc, sim.Acc{N: 1, Mean: float64(c), Min: float64(c), Max: float64(c)})
	}
	if err := b.SetChunks(l.Index(1, 0), enc); err != nil {
		t.Fatal(err)
	}
	if err := b.Finish(); err != nil {
		t.Fatal(err)
	}
	cr := NewChunkReader(f, l, 2)
	if err := cr.Point(1); err != nil {
		t.Fatal(err)
	}
	for walk := range 2 {
		c := int64(0)
		err := cr.Each(func(accs []sim.Acc) error {
			if len(accs) != 1 || accs[0].Mean != float64(c) {
				return fmt.Errorf("chunk %d: %v", c, accs)
			}
			c++
			return nil
		})
		if err != nil || c != l.Chunks {
			t.Fatalf("walk %d: %d of %d chunks: %v", walk, c, l.Chunks, err)
		}
	}
	if cr.whole || len(cr.block) > chunkBlock/sim.AccSize {
		t.Errorf("a point of %d chunks was held whole (%d accumulators)", l.Chunks, len(cr.block))
	}
	if err := cr.Point(0); err != nil {
		t.Fatal(err)
	}
	if done, err := cr.Done(); err != nil || done {
		t.Errorf("point 0, never written: done %v (%v), want false", done, err)
	}
}
