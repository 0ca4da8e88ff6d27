package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/simrun/simrun/journal"
	"github.com/simrun/simrun/sim"
)

// A testChunk is a chunk added to a recordBatch.
type testChunk struct {
	key            string
	g, chunk, samp int64
}

// TestRecordBatch: a chunk that follows the last one added, step on in
// the same point with as many samples, extends its record; anything else
// starts a record; and every record decodes back to its chunks.
func TestRecordBatch(t *testing.T) {
	const nobs = 2
	size := nobs * sim.AccSize
	for _, tt := range []struct {
		name   string
		step   int64 // of the batch; 0 for format 1
		chunks []testChunk
		want   []int // chunks per record
	}{
		{"a run", 1, []testChunk{{"a", 0, 0, 10}, {"a", 1, 1, 10}, {"a", 2, 2, 10}}, []int{3}},
		{"a gap", 1, []testChunk{{"a", 0, 0, 10}, {"a", 2, 2, 10}, {"a", 3, 3, 10}}, []int{1, 2}},
		{"out of order", 1, []testChunk{{"a", 1, 1, 10}, {"a", 0, 0, 10}}, []int{1, 1}},
		{"fewer samples", 1, []testChunk{{"a", 0, 0, 10}, {"a", 1, 1, 10}, {"a", 2, 2, 5}}, []int{2, 1}},
		{"the next point", 1, []testChunk{{"a", 0, 0, 10}, {"a", 1, 1, 10}, {"b", 2, 0, 10}, {"b", 3, 1, 10}}, []int{2, 2}},
		{"a shard's", 3, []testChunk{{"a", 1, 1, 10}, {"a", 4, 4, 10}, {"a", 7, 7, 10}, {"b", 10, 0, 10}}, []int{3, 1}},
		{"a shard's, not step on", 3, []testChunk{{"a", 1, 1, 10}, {"a", 2, 2, 10}}, []int{1, 1}},
		{"format 1", 0, []testChunk{{"a", 0, 0, 10}, {"a", 1, 1, 10}}, []int{1, 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newRecordBatch(tt.step)
			for i, c := range tt.chunks {
				b.add([]byte(c.key), c.g, c.chunk, c.samp, bytes.Repeat([]byte{byte(i)}, size))
			}
			format := journalFormat
			if tt.step == 0 {
				format = journalFormat1
			}
			var got []int
			var back []testChunk
			for r, rec := range b.records() {
				id, step, accs, err := decodeRecord(rec, nobs, format)
				if err != nil {
					t.Fatalf("record %d: %v", r, err)
				}
				if tt.step > 0 && step != tt.step {
					t.Errorf("record %d: step %d, want %d", r, step, tt.step)
				}
				got = append(got, len(accs)/size)
				for k := range len(accs) / size {
					if accs[k*size] != byte(len(back)) {
						t.Errorf("record %d: chunk %d has the accumulators of chunk %d", r, k, accs[k*size])
					}
					c := id.chunk + int64(k)*step
					back = append(back, testChunk{string(id.key), b.runs[r].g + int64(k)*max(1, b.step), c, id.samples})
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("chunks per record %v, want %v", got, tt.want)
			}
			if !slices.Equal(back, tt.chunks) {
				t.Errorf("decoded %v, want %v", back, tt.chunks)
			}
		})
	}
}

// TestRecordRunBound: a record holds at most maxRunBytes of accumulators.
func TestRecordRunBound(t *testing.T) {
	accs := make([]byte, sim.AccSize)
	b := newRecordBatch(1)
	n := maxRunBytes/sim.AccSize + 1
	for c := range int64(n) {
		b.add([]byte("k"), c, c, 1, accs)
	}
	if got := []int{b.runs[0].n, len(b.runs)}; !slices.Equal(got, []int{n - 1, 2}) {
		t.Errorf("%d chunks of %d bytes: %d in the first record of %d, want %d of 2", n, sim.AccSize, got[0], got[1], n-1)
	}
}

// TestDecodeRecordInvalid: a record whose accumulators are not whole
// chunks, or whose step is 0, is refused.
func TestDecodeRecordInvalid(t *testing.T) {
	good := newRecordBatch(1)
	good.add([]byte("k"), 0, 0, 1, make([]byte, sim.AccSize))
	rec := good.records()[0]
	for _, tt := range []struct {
		name   string
		rec    []byte
		format string
	}{
		{"no accumulators", rec[:len(rec)-sim.AccSize], journalFormat},
		{"part of a chunk", rec[:len(rec)-1], journalFormat},
		{"step 0", append(rec[:len(rec)-sim.AccSize-1:len(rec)-sim.AccSize-1], append([]byte{0}, rec[len(rec)-sim.AccSize:]...)...), journalFormat},
		{"two chunks in format 1", append(bytes.Clone(rec[:len(rec)-1]), make([]byte, sim.AccSize+1)...), journalFormat1},
		{"truncated key", rec[:1], journalFormat},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, err := decodeRecord(tt.rec, 1, tt.format); err == nil {
				t.Errorf("decodeRecord(% x) = nil error", tt.rec)
			}
		})
	}
}

// TestResumeFormat1: a journal written before records held runs of
// chunks (format 1: one chunk a record, no step) is resumed, and the
// records the run appends to it keep its format, so that the simrun that
// wrote it can still read it. The results are those of a clean run.
func TestResumeFormat1(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", walkExperiment)
	clean := runFile(t, file, filepath.Join(dir, "clean"), Options{InProcess: true})
	e, err := testEngine.Load(file)
	if err != nil {
		t.Fatal(err)
	}

	// A format 1 journal of the clean run's first 10 chunks.
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	h := newJournalHeader(e)
	h.Format = journalFormat1
	hdr, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Create(filepath.Join(out, JournalFile), hdr)
	if err != nil {
		t.Fatal(err)
	}
	b := newRecordBatch(0)
	l := e.Layout()
	var key, accs []byte
	if err := eachDoneChunk(clean.Dir, e, func(g int64, a []sim.Acc) error {
		if g < 10 {
			p, c := l.Split(g)
			key, accs = e.AppendKey(key[:0], p), sim.AppendAccs(accs[:0], a)
			b.add(key, g, c, e.Budget.ChunkSamples(c), accs)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := j.AppendBatch(b.records()); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}

	var appended [][]byte
	appendJournal = func(j *journal.Journal, recs [][]byte) error {
		for _, r := range recs {
			appended = append(appended, bytes.Clone(r))
		}
		return j.AppendBatch(recs)
	}
	defer func() { appendJournal = (*journal.Journal).AppendBatch }()
	o, err := testEngine.Run(context.Background(), e, Options{Dir: out, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if o.Reused != 10 {
		t.Errorf("reused %d chunks, want the 10 journaled", o.Reused)
	}
	if len(appended) != 29 {
		t.Errorf("appended %d records for the 29 chunks run, want one a chunk", len(appended))
	}
	for i, r := range appended {
		if _, _, _, err := decodeRecord(r, len(h.Observables), journalFormat1); err != nil {
			t.Errorf("appended record %d is not of format 1: %v", i, err)
		}
	}
	sameFiles(t, clean.Dir, out, ResultsCSV, ChunksFile)
}

// TestJournalRuns: a run journals each worker's batch of results as runs
// of chunks, fewer records than chunks, which together hold every chunk
// once.
func TestJournalRuns(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", walkExperiment)
	e, err := testEngine.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	nobs := len(e.Kernel.Observables)
	var records, chunks int
	appendJournal = func(j *journal.Journal, recs [][]byte) error {
		for _, r := range recs {
			_, _, accs, err := decodeRecord(r, nobs, journalFormat)
			if err != nil {
				return err
			}
			records++
			chunks += len(accs) / (nobs * sim.AccSize)
		}
		return j.AppendBatch(recs)
	}
	defer func() { appendJournal = (*journal.Journal).AppendBatch }()
	runFile(t, file, filepath.Join(dir, "out"), Options{Workers: 2})
	// A worker is sent 4 chunks at first, and more as it answers.
	if chunks != 39 || records >= chunks {
		t.Errorf("the journal got %d records of %d chunks, want fewer records than the 39 chunks", records, chunks)
	}
}
