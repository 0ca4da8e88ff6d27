package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/simrun/simrun/journal"
)

// TestDiskFull: when the journal cannot be written (the disk is full), the
// run stops with a clear error, the chunks journaled so far stay readable,
// and once there is space a second run resumes to the clean bytes.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", walkExperiment)
	clean := runFile(t, file, filepath.Join(dir, "clean"), Options{Workers: 2})
	out := filepath.Join(dir, "out")

	const room = 2 // records that fit before the disk is full: runs of chunks
	n := 0
	appendJournal = func(j *journal.Journal, recs [][]byte) error {
		if n+len(recs) > room { // the disk fills part way through this batch
			if k := room - n; k > 0 {
				if err := j.AppendBatch(recs[:k]); err != nil {
					return err
				}
				n += k
			}
			return fmt.Errorf("journal: %s: append: %w", filepath.Join(out, JournalFile), syscall.ENOSPC)
		}
		n += len(recs)
		return j.AppendBatch(recs)
	}
	defer func() { appendJournal = (*journal.Journal).AppendBatch }()
	e, err := testEngine.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	_, err = testEngine.Run(context.Background(), e, Options{Workers: 2, Dir: out})
	if err == nil || !strings.Contains(err.Error(), "no space left on device") || !strings.Contains(err.Error(), "resumes") {
		t.Fatalf("run with a full disk: %v; want an error saying the disk is full and that a run resumes", err)
	}
	_, records, _, err := journal.Read(filepath.Join(out, JournalFile))
	if err != nil || len(records) != room {
		t.Errorf("journal holds %d records after the disk filled (%v), want the %d written before", len(records), err, room)
	}
	held, err := JournalChunks(filepath.Join(out, JournalFile))
	if err != nil || held < room || held >= 39 {
		t.Errorf("journal holds %d of the 39 chunks after the disk filled (%v), want those of its %d records", held, err, room)
	}

	appendJournal = (*journal.Journal).AppendBatch
	resumed := runFile(t, file, out, Options{Workers: 2})
	if resumed.Reused != held {
		t.Errorf("resume reused %d chunks, want the %d journaled", resumed.Reused, held)
	}
	sameFiles(t, clean.Dir, out, ResultsCSV, ChunksFile)
}
