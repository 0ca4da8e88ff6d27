package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/simrun/simrun/sim"
)

// TestChunksBuilder: chunks written out of order, some not at all, give
// the bytes WriteChunks writes of the same table, and Finish hands each
// point's chunks over in order.
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
	var seen []int64
	err = b.Finish(func(p int64, chunks [][]sim.Acc) error {
		seen = append(seen, p)
		if len(chunks) != 3 {
			t.Fatalf("point %d: %d chunks, want 3", p, len(chunks))
		}
		for c, accs := range chunks {
			if g := l.Index(p, int64(c)); accs[0] != want.Chunk(g)[0] || accs[1] != want.Chunk(g)[1] {
				t.Errorf("point %d chunk %d: %v, want %v", p, c, accs, want.Chunk(g))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != points {
		t.Errorf("Finish visited points %v, want 0 to 3", seen)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, golden.Bytes()) {
		t.Errorf("built file (%d bytes) differs from WriteChunks's (%d bytes)", len(got), golden.Len())
	}
}
