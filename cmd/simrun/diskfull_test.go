package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/simrun/simrun/runner"
)

// TestDiskFull: when the journal cannot be written (the disk is full), the
// run stops with a clear error, the chunks journaled so far stay readable,
// and once there is space a second run resumes to the clean bytes.
func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	out := filepath.Join(dir, "out")

	const room = 10 // records that fit before the disk is full
	n := 0
	appendJournal = func(j *runner.Journal, recs [][]byte) error {
		if n+len(recs) > room { // the disk fills part way through this batch
			if k := room - n; k > 0 {
				if err := j.AppendBatch(recs[:k]); err != nil {
					return err
				}
				n += k
			}
			return fmt.Errorf("runner: journal %s: append: %w", filepath.Join(out, journalFile), syscall.ENOSPC)
		}
		n += len(recs)
		return j.AppendBatch(recs)
	}
	defer func() { appendJournal = (*runner.Journal).AppendBatch }()
	_, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--out", out, file)
	if code != 1 {
		t.Fatalf("exit %d with a full disk, want 1:\n%s", code, stderr)
	}
	for _, want := range []string{"no space left on device", journalFile, "resumes"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if got := journaled(out); got != room {
		t.Errorf("journal holds %d chunks after the disk filled, want the %d written before", got, room)
	}

	appendJournal = (*runner.Journal).AppendBatch
	_, stderr, code = simrun(t, "run", "--quiet", "--workers", "2", "--out", out, file)
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, stderr)
	}
	sameResults(t, out, csv, stats)
}
