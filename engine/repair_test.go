package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/journal"
	"github.com/simrun/simrun/sim"
)

// damageRecord sets the length of chunk record i (0 is the first after
// the header) of the journal at path to one that runs past the end of the
// file, as a flipped bit in the middle of the file may, and returns the
// record's byte offset, the journal's bytes after the change, how many
// chunks the record held, and how many intact records follow it.
func damageRecord(t *testing.T, path string, i int) (off int, data []byte, lost int, after int) {
	t.Helper()
	rawHdr, records, _, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var h journalHeader
	if err := json.Unmarshal(rawHdr, &h); err != nil {
		t.Fatal(err)
	}
	if i >= len(records)-1 {
		t.Fatalf("%s has %d records: none after record %d", path, len(records), i)
	}
	_, _, accs, err := decodeRecord(records[i], len(h.Observables), h.Format)
	if err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	off = len("SIMRUNJ1")
	for range i + 1 { // the header, then records 0 to i-1
		off += 8 + int(binary.LittleEndian.Uint32(data[off:]))
	}
	binary.LittleEndian.PutUint32(data[off:], 1<<20)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return off, data, len(accs) / (len(h.Observables) * sim.AccSize), len(records) - i - 1
}

// runWithJournal runs file into dir, then writes its journal back from
// chunks.bin: a finished run keeps none, and these tests damage one.
func runWithJournal(t *testing.T, file, dir string, o Options) *Outcome {
	t.Helper()
	out := runFile(t, file, dir, o)
	if err := testEngine.restoreJournal(dir); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRepair damages a record in the middle of a finished run's journal:
// Run and Status refuse it, naming the offset and the repair, and leave
// it as it is; Repair keeps every other chunk; the next Run reruns only
// the one lost and ends with the bytes of a clean run.
func TestRepair(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", walkExperiment)
	clean := runFile(t, file, filepath.Join(dir, "clean"), Options{InProcess: true})
	out := filepath.Join(dir, "out")
	runWithJournal(t, file, out, Options{InProcess: true})
	path := filepath.Join(out, JournalFile)
	// Its records are runs of chunks with the same samples: 12 of 400,
	// then the last of 200, for each point. Record 1 is one chunk.
	off, damaged, lost, after := damageRecord(t, path, 1)
	if lost != 1 || after != 4 {
		t.Fatalf("record 1 holds %d chunks and %d follow it, want 1 and 4", lost, after)
	}

	e, err := testEngine.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	_, runErr := testEngine.Run(context.Background(), e, Options{Dir: out, InProcess: true})
	_, statusErr := testEngine.Status(out)
	// A researcher's own binary names itself in the hint.
	heat := New(testEngine.Kernels())
	heat.Program = "heat"
	_, heatErr := heat.Status(out)
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"Run", runErr, "; run `simrun repair " + out + "` to keep every intact chunk, or --force to start over"},
		{"Status", statusErr, "; run `simrun repair " + out + "` to keep every intact chunk"},
		{"Status of another program", heatErr, "; run `heat repair " + out + "` to keep every intact chunk"},
	} {
		var ie *InputError
		if !errors.As(tt.err, &ie) || !errors.Is(tt.err, journal.ErrCorrupt) {
			t.Fatalf("%s: err = %v, want an *InputError wrapping journal.ErrCorrupt", tt.name, tt.err)
		}
		msg := tt.err.Error()
		if !strings.Contains(msg, fmt.Sprintf("byte offset %d:", off)) || !strings.Contains(msg, "4 intact records follow") || !strings.HasSuffix(msg, tt.want) {
			t.Errorf("%s: err = %q, want the offset %d, 4 intact records and %q", tt.name, msg, off, tt.want)
		}
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, damaged) {
		t.Fatalf("the refused journal was modified (%v)", err)
	}

	done, err := testEngine.Repair(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 1 || done[0].Path != path || done[0].Kept != 38 || done[0].Dropped == 0 {
		t.Fatalf("Repair: %+v, want 38 chunks kept in %s", done, path)
	}
	// Repairing again finds nothing to do.
	if again, err := testEngine.Repair(out); err != nil || len(again) != 1 || again[0].Kept != 38 || again[0].Dropped != 0 {
		t.Errorf("second Repair: %+v, %v; want 38 kept, nothing dropped", again, err)
	}
	resumed := runFile(t, file, out, Options{InProcess: true})
	if resumed.Reused != 38 {
		t.Errorf("the resumed run reused %d chunks, want 38", resumed.Reused)
	}
	sameFiles(t, clean.Dir, out, ResultsCSV, ChunksFile)
}

// TestRepairShards: Repair salvages the shards' journals of a sharded
// run, and leaves the intact ones as they are.
func TestRepairShards(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", walkExperiment)
	clean := runFile(t, file, filepath.Join(dir, "clean"), Options{InProcess: true})
	out := filepath.Join(dir, "out")
	for i := range 2 {
		runFile(t, file, out, Options{InProcess: true, Shard: &Shard{i, 2}})
	}
	shard0 := filepath.Join(ShardDir(out, Shard{0, 2}), JournalFile)
	shard1 := filepath.Join(ShardDir(out, Shard{1, 2}), JournalFile)
	intact, err := os.ReadFile(shard0)
	if err != nil {
		t.Fatal(err)
	}
	// Shard 1's journal holds runs of chunks as its results arrived.
	_, _, lost, _ := damageRecord(t, shard1, 1)
	if _, err := testEngine.Merge(out); !errors.Is(err, journal.ErrCorrupt) || !strings.Contains(err.Error(), "simrun repair "+ShardDir(out, Shard{1, 2})) {
		t.Errorf("Merge of a damaged shard: err = %v, want ErrCorrupt and the repair", err)
	}
	done, err := testEngine.Repair(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []Repaired{{Path: shard0, Kept: 20}, {Path: shard1, Kept: 19 - lost}} // 39 chunks: 20 and 19
	if len(done) != 2 || done[0] != want[0] || done[1].Path != want[1].Path || done[1].Kept != want[1].Kept || done[1].Dropped == 0 {
		t.Fatalf("Repair: %+v, want %+v and bytes dropped from the second", done, want)
	}
	if got, err := os.ReadFile(shard0); err != nil || !bytes.Equal(got, intact) {
		t.Errorf("Repair changed the intact journal %s (%v)", shard0, err)
	}
	if o := runFile(t, file, out, Options{InProcess: true, Shard: &Shard{1, 2}}); o.Reused != int64(19-lost) {
		t.Errorf("the resumed shard reused %d chunks, want %d", o.Reused, 19-lost)
	}
	if _, err := testEngine.Merge(out); err != nil {
		t.Fatal(err)
	}
	sameFiles(t, clean.Dir, out, ResultsCSV, ChunksFile)
}

// TestRepairInvalid: what Repair cannot repair is an *InputError, and
// changes nothing.
func TestRepairInvalid(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", walkExperiment)
	run := filepath.Join(dir, "run")
	runWithJournal(t, file, run, Options{InProcess: true})
	journalBytes, err := os.ReadFile(filepath.Join(run, JournalFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		setup func(d string) // makes d, the directory to repair
		want  string
	}{
		{"missing directory", func(string) {}, "no such file or directory"},
		{"a file", func(d string) { writeTestFile(t, filepath.Dir(d), filepath.Base(d), "x") }, "is not a directory"},
		{"no journal", func(d string) { os.MkdirAll(filepath.Join(d, "shards", "0-of-2"), 0o755) }, "nothing to repair"},
		{"damaged header", func(d string) {
			os.MkdirAll(d, 0o755)
			b := bytes.Clone(journalBytes)
			b[len("SIMRUNJ1")+8] ^= 1
			writeTestFile(t, d, JournalFile, string(b))
		}, "corrupt header record at byte offset 8"},
		{"symbolic link", func(d string) {
			os.MkdirAll(d, 0o755)
			if err := os.Symlink(filepath.Join(run, JournalFile), filepath.Join(d, JournalFile)); err != nil {
				t.Skipf("no symbolic links: %v", err)
			}
		}, "is a symbolic link"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := filepath.Join(t.TempDir(), "out")
			tt.setup(d)
			before, _ := os.ReadFile(filepath.Join(d, JournalFile))
			done, err := testEngine.Repair(d)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) || len(done) != 0 {
				t.Errorf("Repair: %+v, %v; want an *InputError with %q", done, err, tt.want)
			}
			if after, _ := os.ReadFile(filepath.Join(d, JournalFile)); !bytes.Equal(after, before) {
				t.Errorf("Repair changed the journal")
			}
		})
	}
	if got, err := os.ReadFile(filepath.Join(run, JournalFile)); err != nil || !bytes.Equal(got, journalBytes) {
		t.Errorf("the journal linked to was changed (%v)", err)
	}
}

// TestRunRefusesSymlinkedJournal: a journal.bin that links to another
// run's journal (or to nothing) is refused, and the other journal is
// neither truncated nor appended to.
func TestRunRefusesSymlinkedJournal(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", walkExperiment)
	other := filepath.Join(dir, "other")
	runWithJournal(t, file, other, Options{InProcess: true})
	otherJournal := filepath.Join(other, JournalFile)
	// A torn tail, which Open would truncate through the link.
	f, err := os.OpenFile(otherJournal, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{1, 2, 3})
	f.Close()
	want, err := os.ReadFile(otherJournal)
	if err != nil {
		t.Fatal(err)
	}
	e, err := testEngine.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, target string }{
		{"to another run's journal", otherJournal},
		{"dangling", filepath.Join(dir, "missing.bin")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(tt.target, filepath.Join(out, JournalFile)); err != nil {
				t.Skipf("no symbolic links: %v", err)
			}
			_, err := testEngine.Run(context.Background(), e, Options{Dir: out, InProcess: true})
			var ie *InputError
			if !errors.As(err, &ie) || !errors.Is(err, journal.ErrSymlink) || !strings.Contains(err.Error(), "--force") {
				t.Errorf("Run: err = %v, want an *InputError wrapping journal.ErrSymlink", err)
			}
			if _, err := os.Lstat(tt.target); tt.target != otherJournal && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Run created the file the link points to")
			}
		})
	}
	if got, err := os.ReadFile(otherJournal); err != nil || !bytes.Equal(got, want) {
		t.Errorf("the journal linked to was changed (%v)", err)
	}
}
