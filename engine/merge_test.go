package engine

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

// TestMergeManyShards: a campaign of 200 shards, most of them of one
// chunk and the chunks of each point spread over many, merges into the
// bytes of an unsharded run; before its last shard has run, Status counts
// every shard's chunks and Merge names the one missing.
func TestMergeManyShards(t *testing.T) {
	const n = 200
	dir := t.TempDir()
	// 5 points of 50 chunks: shards 0 to 49 own two chunks, the others one.
	file := writeTestFile(t, dir, "spin.toml", "kernel = \"spin\"\nseed = 7\n[sweep]\nwork = [1, 2, 3, 4, 5]\n[samples]\nsamples = 250\nchunk_size = 5\n")
	quiet := slog.New(slog.DiscardHandler)
	clean := runFile(t, file, filepath.Join(dir, "clean"), Options{InProcess: true, Logger: quiet})
	out := filepath.Join(dir, "out")
	for i := range n - 1 {
		runFile(t, file, out, Options{InProcess: true, Workers: 1, Logger: quiet, Shard: &Shard{i, n}})
	}

	st, err := testEngine.Status(out)
	if err != nil {
		t.Fatal(err)
	}
	if st.Done != 249 || st.Total != 250 || len(st.Shards) != n {
		t.Fatalf("Status: %d of %d chunks in %d shards, want 249 of 250 in %d", st.Done, st.Total, len(st.Shards), n)
	}
	for _, s := range st.Shards {
		want := ShardStatus{Shard: s.Shard, Dir: ShardDir(out, s.Shard), Done: 1, Total: 1, Exists: true}
		switch {
		case s.Index < 50:
			want.Done, want.Total = 2, 2
		case s.Index == n-1:
			want.Done, want.Exists = 0, false
		}
		if s != want {
			t.Errorf("shard %s: %+v, want %+v", s.Shard, s, want)
		}
	}
	_, err = testEngine.Merge(out)
	var ie *InputError
	if want := fmt.Sprintf("shard %d/%d has not run", n-1, n); !errors.As(err, &ie) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Merge without shard %d: %v, want an *InputError with %q", n-1, err, want)
	}

	runFile(t, file, out, Options{InProcess: true, Workers: 1, Logger: quiet, Shard: &Shard{n - 1, n}})
	if st, err = testEngine.Status(out); err != nil || st.Done != 250 || st.Total != 250 {
		t.Fatalf("Status of the complete campaign: %+v, %v; want 250 of 250 chunks", st, err)
	}
	for _, s := range st.Shards {
		if !s.Complete() {
			t.Errorf("shard %s is not complete: %+v", s.Shard, s)
		}
	}
	o, err := testEngine.Merge(out)
	if err != nil {
		t.Fatal(err)
	}
	if o.Shards != n || o.Done != 250 || len(o.Results.Points) != 5 || o.Results.Partial {
		t.Errorf("Merge: %d shards, %d chunks, %d points (partial %v); want %d, 250, 5", o.Shards, o.Done, len(o.Results.Points), o.Results.Partial, n)
	}
	sameFiles(t, clean.Dir, out, ResultsCSV, ChunksFile)
}

// TestChunkIndex: the index finds each chunk of a journal where a map of
// every chunk's identity in the experiment would, for the journals of
// other budgets and sweeps that a run, merge or status may read, and
// finds nothing for identities no experiment has.
func TestChunkIndex(t *testing.T) {
	type identity struct {
		key            string
		chunk, samples int64
	}
	load := func(sweep, samples string) *sim.Experiment {
		t.Helper()
		src := "kernel = \"spin\"\nseed = 1\n[sweep]\nwork = " + sweep + "\n[samples]\n" + samples + "\n"
		e, err := sim.Parse("x.toml", []byte(src), testEngine.Kernels())
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	// every maps each chunk's identity to its global index, as the engine
	// once did by building such a map for every journal it read.
	every := func(e *sim.Experiment) map[identity]int64 {
		m := make(map[identity]int64)
		l := e.Layout()
		for p := range e.NumPoints() {
			for c := range l.Chunks {
				m[identity{e.Point(p).Key, c, e.Budget.ChunkSamples(c)}] = l.Index(p, c)
			}
		}
		return m
	}
	exps := []*sim.Experiment{
		load("[1, 2, 3]", "samples = 10\nchunk_size = 3"), // chunks of 3, 3, 3, 1
		load("[1, 2, 3]", "samples = 12\nchunk_size = 3"), // a grown budget: chunk 3 of 3 samples
		load("[1, 2, 3]", "samples = 7\nchunk_size = 3"),  // a shrunk one
		load("[1, 2, 3]", "samples = 10\nchunks = 4"),     // 3, 3, 2, 2
		load("[1, 2, 3]", "samples = 10\nchunks = 5"),     // chunk 4 has the 2 samples the budget above gives a chunk 4
		load("[2, 3, 4, 5]", "samples = 10\nchunk_size = 3"),
	}
	for i, journaled := range exps {
		ids := every(journaled)
		key := journaled.Point(0).Key
		// Identities of no experiment: an unknown point, chunk indices
		// past any budget or that wrapped around as uvarints.
		ids[identity{"work=99", 0, 3}] = -1
		ids[identity{key, 1 << 40, 3}] = -1
		ids[identity{key, -1, 3}] = -1
		ids[identity{key, 0, -3}] = -1
		for j, e := range exps {
			x, want := newChunkIndex(e), every(e)
			for id := range ids {
				g, ok := x.lookup(chunkID{[]byte(id.key), id.chunk, id.samples})
				wg, wok := want[id]
				if g != wg || ok != wok {
					t.Errorf("journal of experiment %d read by %d: chunk %+v: lookup = %d, %v; want %d, %v", i, j, id, g, ok, wg, wok)
				}
			}
		}
	}
}
