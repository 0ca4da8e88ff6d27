package cli

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/journal"
)

// runKeepingJournal runs file into out so that out keeps a journal of
// the run's 39 chunks: a finished run removes its journal unless it holds
// chunks the experiment no longer has, so a run of the sweep grown by a
// point (d = 4: 13 chunks more, the first 39 in the same order) comes
// first.
func runKeepingJournal(t *testing.T, file, out string) {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	grown := writeFile(t, t.TempDir(), "grown.toml", strings.Replace(string(src), "d = [1, 2, 3]", "d = [1, 2, 3, 4]", 1))
	for _, f := range []string{grown, file} {
		if _, stderr, code := simrun(t, "run", "--quiet", "--inprocess", "--out", out, f); code != 0 {
			t.Fatalf("run %s: exit %d: %s", f, code, stderr)
		}
	}
	if n := journaled(out); n != 52 {
		t.Fatalf("%s holds %d chunks, want the 52 of the grown sweep", filepath.Join(out, engine.JournalFile), n)
	}
}

// TestRepairDamagedJournal: a length field changed in the middle of a
// run's journal, so that it runs past the end of the file, is damage, not
// a torn tail. run refuses it (exit 2), naming the offset and the repair,
// and leaves the journal byte-identical; status does the same; repair
// keeps every intact chunk; and a resumed run reuses them and ends with
// the bytes of a clean run.
func TestRepairDamagedJournal(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	clean := filepath.Join(dir, "clean")
	csv, stats := cleanRun(t, file, clean)
	out := filepath.Join(dir, "out")
	runKeepingJournal(t, file, out)
	path := filepath.Join(out, engine.JournalFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The length of record 1 of 8 (after the header): each point's chunks
	// are two records, of its 12 chunks of 400 samples and its last of
	// 200, and record 1 is point d = 1's last chunk.
	off := len("SIMRUNJ1")
	for range 2 {
		off += 8 + int(binary.LittleEndian.Uint32(data[off:]))
	}
	binary.LittleEndian.PutUint32(data[off:], 1<<20)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"run", []string{"run", "--quiet", "--inprocess", "--out", out, file},
			"run `simrun repair " + out + "` to keep every intact chunk, or --force to start over"},
		{"status", []string{"status", out}, "run `simrun repair " + out + "` to keep every intact chunk"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := simrun(t, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2: %s", code, stderr)
			}
			for _, want := range []string{path, fmt.Sprintf("byte offset %d:", off), "6 intact records follow", tt.want} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr does not say %q:\n%s", want, stderr)
				}
			}
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s changed the damaged journal (%v)", tt.name, err)
			}
		})
	}

	stdout, stderr, code := simrun(t, "repair", out)
	if code != 0 {
		t.Fatalf("repair: exit %d: %s", code, stderr)
	}
	for _, want := range []string{path + ": kept 51 intact chunks, dropped ", "holds 38 of 39 chunks"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("repair does not say %q:\n%s", want, stdout)
		}
	}
	if _, recs, torn, err := journal.Read(path); err != nil || torn || len(recs) != 7 || journaled(out) != 51 {
		t.Fatalf("the repaired journal: %d records of %d chunks, torn %v, %v; want 7 intact records of 51", len(recs), journaled(out), torn, err)
	}

	_, stderr, code = simrun(t, "run", "--inprocess", "--out", out, file)
	if code != 0 {
		t.Fatalf("resumed run: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "resuming: 38 of 39 chunks") {
		t.Errorf("the resumed run did not reuse 38 chunks:\n%s", stderr)
	}
	sameResults(t, out, csv, stats)
	want, err := os.ReadFile(filepath.Join(clean, engine.ChunksFile))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(out, engine.ChunksFile)); err != nil || !bytes.Equal(got, want) {
		t.Errorf("chunks.bin differs from the clean run's (%v)", err)
	}
}

// TestRepairInvalidUse: repair wants one directory that holds a journal.
func TestRepairInvalidUse(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no directory", []string{"repair"}, "want one output directory"},
		{"two directories", []string{"repair", dir, dir}, "want one output directory"},
		{"missing directory", []string{"repair", filepath.Join(dir, "missing")}, "no such file or directory"},
		{"no journal", []string{"repair", dir}, "nothing to repair"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := simrun(t, tt.args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, tt.want)
			}
		})
	}
}
