package journal

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simrun/simrun/internal/words"
)

// testRecord is the record number i of the journals the tests write: a
// few bytes to a few tens of kilobytes, each different.
func testRecord(i int) []byte {
	n := (i * 7919) % (48 << 10)
	if i%10 == 0 {
		n = 0
	}
	rec := bytes.Repeat([]byte{byte(i)}, n)
	if n >= 8 {
		binary.LittleEndian.PutUint64(rec, uint64(i))
	}
	return rec
}

func testRecords(n int) [][]byte {
	recs := make([][]byte, n)
	for i := range recs {
		recs[i] = testRecord(i)
	}
	return recs
}

// writeJournal creates a journal at path holding header and recs.
func writeJournal(t testing.TB, path string, header []byte, recs [][]byte) {
	t.Helper()
	j, err := Create(path, header)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := j.Append(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
}

// checkJournal checks that the journal at path holds header and recs,
// with no torn record.
func checkJournal(t testing.TB, path string, header []byte, recs [][]byte) {
	t.Helper()
	h, got, torn, err := Read(path)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if torn {
		t.Errorf("Read: torn = true, want false")
	}
	if !bytes.Equal(h, header) {
		t.Errorf("header = %q, want %q", h, header)
	}
	checkRecords(t, got, recs)
}

func checkRecords(t testing.TB, got, want [][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("record %d: got %d bytes, want %d bytes (or different content)", i, len(got[i]), len(want[i]))
		}
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestJournalRoundTrip(t *testing.T) {
	large := bytes.Repeat([]byte("0123456789abcdef"), MaxRecord/16)
	for _, tt := range []struct {
		name    string
		header  []byte
		batches [][][]byte // each appended with AppendBatch, or Append if of one record
	}{
		{"no records", []byte("header"), nil},
		{"empty header", []byte{}, [][][]byte{{[]byte("a")}}},
		{"one empty record", []byte("h"), [][][]byte{{{}}}},
		{"many records", []byte("h"), func() [][][]byte {
			var b [][][]byte
			for _, rec := range testRecords(500) {
				b = append(b, [][]byte{rec})
			}
			return b
		}()},
		{"batches", []byte("h"), [][][]byte{testRecords(10), {}, testRecords(3), {[]byte("x")}}},
		{"largest record", []byte("h"), [][][]byte{{[]byte("before")}, {large}, {[]byte("after")}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.bin")
			j, err := Create(path, tt.header)
			if err != nil {
				t.Fatal(err)
			}
			var want [][]byte
			for _, b := range tt.batches {
				if len(b) == 1 {
					err = j.Append(b[0])
				} else {
					err = j.AppendBatch(b)
				}
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, b...)
			}
			if err := j.Sync(); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			checkJournal(t, path, tt.header, want)

			// Reopen and append more.
			j, h, got, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(h, tt.header) {
				t.Errorf("Open: header = %q, want %q", h, tt.header)
			}
			checkRecords(t, got, want)
			if err := j.Append([]byte("more")); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			checkJournal(t, path, tt.header, append(want, []byte("more")))
		})
	}
}

func TestJournalInvalidUse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "journal.bin")
	writeJournal(t, path, []byte("h"), testRecords(2))
	if _, err := Create(path, []byte("other")); !errors.Is(err, os.ErrExist) {
		t.Errorf("Create on an existing file: err = %v, want os.ErrExist", err)
	}
	checkJournal(t, path, []byte("h"), testRecords(2)) // untouched

	if _, err := Create(filepath.Join(dir, "big"), make([]byte, MaxRecord+1)); err == nil {
		t.Errorf("Create with a header above the maximum: no error")
	}
	if _, err := os.Stat(filepath.Join(dir, "big")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed Create left a file behind: %v", err)
	}
	if _, _, _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open on a missing file: err = %v, want os.ErrNotExist", err)
	}

	j, _, _, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Append(make([]byte, MaxRecord+1)); err == nil || !strings.Contains(err.Error(), "exceeds the maximum") {
		t.Errorf("Append above the maximum: err = %v", err)
	}
	if err := j.AppendBatch([][]byte{[]byte("ok"), make([]byte, MaxRecord+1)}); err == nil {
		t.Errorf("AppendBatch above the maximum: no error")
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Append":  j.Append(nil),
		"Sync":    j.Sync(),
		"Close":   j.Close(),
		"Discard": j.Discard(),
	} {
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s after Close: err = %v, want os.ErrClosed", name, err)
		}
	}
	checkJournal(t, path, []byte("h"), testRecords(2)) // nothing appended
}

// TestJournalDiscard: Discard removes the journal's file, and the
// journal is closed after it.
func TestJournalDiscard(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.bin")
	j, err := Create(path, []byte("h"))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.AppendBatch(testRecords(3)); err != nil {
		t.Fatal(err)
	}
	if err := j.Discard(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Discard: %v, want no file", err)
	}
	for name, err := range map[string]error{"Append": j.Append(nil), "Close": j.Close(), "Discard": j.Discard()} {
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("%s after Discard: err = %v, want os.ErrClosed", name, err)
		}
	}
}

// TestJournalTorn cuts the last record at every byte: Open drops it
// and appends after the records before it.
func TestJournalTorn(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full")
	recs := [][]byte{[]byte("first"), {}, []byte("third record"), []byte("the last record, to be torn")}
	writeJournal(t, full, []byte("header"), recs)
	data := readFile(t, full)
	last := len(data) - journalFrame - len(recs[len(recs)-1])
	for cut := last; cut < len(data); cut++ {
		path := filepath.Join(dir, fmt.Sprintf("cut%d", cut))
		if err := os.WriteFile(path, data[:cut], 0o666); err != nil {
			t.Fatal(err)
		}
		h, got, torn, err := Read(path)
		if err != nil {
			t.Fatalf("cut at %d: Read: %v", cut, err)
		}
		if want := cut > last; torn != want {
			t.Errorf("cut at %d: Read: torn = %v, want %v", cut, torn, want)
		}
		if string(h) != "header" {
			t.Errorf("cut at %d: Read: header = %q", cut, h)
		}
		checkRecords(t, got, recs[:len(recs)-1])
		if !bytes.Equal(readFile(t, path), data[:cut]) {
			t.Fatalf("cut at %d: Read modified the file", cut)
		}

		j, _, got, err := Open(path)
		if err != nil {
			t.Fatalf("cut at %d: Open: %v", cut, err)
		}
		checkRecords(t, got, recs[:len(recs)-1])
		if !bytes.Equal(readFile(t, path), data[:last]) {
			t.Errorf("cut at %d: Open did not truncate the file to the last intact record", cut)
		}
		if err := j.Append([]byte("appended")); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		checkJournal(t, path, []byte("header"), append(slices.Clone(recs[:len(recs)-1]), []byte("appended")))
	}
}

// garbage returns n pseudo-random bytes in which no intact record starts.
func garbage(n int) []byte {
	r := rand.New(rand.NewPCG(11, uint64(n)))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	if at := (&scanner{data: b}).next(0); at >= 0 {
		panic(fmt.Sprintf("garbage(%d) frames an intact record at byte offset %d: choose another seed", n, at))
	}
	return b
}

// TestJournalTornTails covers the other tails that are a torn write, with
// no intact record after the last one read: a last record whose checksum
// fails or whose length is impossible, zeros and other bytes.
func TestJournalTornTails(t *testing.T) {
	recs := testRecords(5)
	for _, tt := range []struct {
		name   string
		mutate func(data []byte) []byte
	}{
		{"flipped byte in last record", func(d []byte) []byte { d[len(d)-1] ^= 1; return d }},
		{"flipped checksum of last record", func(d []byte) []byte {
			d[len(d)-journalFrame-len(recs[4])+4] ^= 0x80
			return d
		}},
		{"zeros in place of last record", func(d []byte) []byte {
			clear(d[len(d)-journalFrame-len(recs[4]):])
			return d
		}},
		{"4 zero bytes", func(d []byte) []byte { return append(d, make([]byte, 4)...) }},
		{"8 zero bytes", func(d []byte) []byte { return append(d, make([]byte, 8)...) }},
		{"a page of zeros", func(d []byte) []byte { return append(d, make([]byte, 4096)...) }},
		{"last record cut short", func(d []byte) []byte { return d[:len(d)-3] }},
		{"impossible length of last record", func(d []byte) []byte {
			d[len(d)-journalFrame-len(recs[4])+3] = 0x10
			return d
		}},
		{"length of last record past the end", func(d []byte) []byte {
			binary.LittleEndian.PutUint32(d[len(d)-journalFrame-len(recs[4]):], uint32(len(d)))
			return d
		}},
		{"garbage without an intact frame", func(d []byte) []byte { return append(d, garbage(1000)...) }},
		{"garbage in place of last record", func(d []byte) []byte {
			copy(d[len(d)-journalFrame-len(recs[4]):], garbage(len(recs[4])+journalFrame))
			return d
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.bin")
			writeJournal(t, path, []byte("h"), recs)
			intact := readFile(t, path)
			data := tt.mutate(slices.Clone(intact))
			if err := os.WriteFile(path, data, 0o666); err != nil {
				t.Fatal(err)
			}
			_, got, torn, err := Read(path)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if !torn {
				t.Errorf("Read: torn = false, want true")
			}
			n := len(got) // 4 or 5 records
			if n != 4 && n != 5 {
				t.Fatalf("got %d records, want 4 or 5", n)
			}
			checkRecords(t, got, recs[:n])
			j, _, _, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if err := j.Append([]byte("appended")); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			checkJournal(t, path, []byte("h"), append(slices.Clone(recs[:n]), []byte("appended")))
		})
	}
}

func TestJournalCorrupt(t *testing.T) {
	recs := testRecords(5)
	// offsets[0] is the header's offset, offsets[i+1] record i's.
	offsets := []int{len(journalMagic), len(journalMagic) + journalFrame + 1}
	for _, rec := range recs {
		offsets = append(offsets, offsets[len(offsets)-1]+journalFrame+len(rec))
	}
	for _, tt := range []struct {
		name   string
		mutate func(d []byte) []byte
		want   string
	}{
		{"empty file", func(d []byte) []byte { return nil }, "no header record"},
		{"magic only", func(d []byte) []byte { return d[:8] }, "no complete header record"},
		{"torn magic", func(d []byte) []byte { return d[:5] }, "no header record"},
		{"torn header", func(d []byte) []byte { return d[:10] }, "no complete header record"},
		{"bad magic", func(d []byte) []byte { d[3] = 'X'; return d }, `bad magic "SIMXUNJ1"`},
		{"short bad magic", func(d []byte) []byte { return []byte("SIMX") }, "bad magic"},
		{"other file", func(d []byte) []byte { return []byte("# a TOML file\nx = 1\n") }, "bad magic"},
		{"flipped header byte", func(d []byte) []byte { d[offsets[0]+journalFrame] ^= 1; return d },
			fmt.Sprintf("corrupt header record at byte offset %d: checksum mismatch", offsets[0])},
		{"flipped byte in record 2", func(d []byte) []byte { d[offsets[3]+journalFrame+5] ^= 1; return d },
			fmt.Sprintf("corrupt record 2 at byte offset %d: checksum mismatch", offsets[3])},
		{"flipped checksum of record 0", func(d []byte) []byte { d[offsets[1]+4] ^= 1; return d },
			fmt.Sprintf("corrupt record 0 at byte offset %d: checksum mismatch", offsets[1])},
		{"shorter length of record 3", func(d []byte) []byte { d[offsets[4]] -= 1; return d },
			fmt.Sprintf("corrupt record 3 at byte offset %d: checksum mismatch", offsets[4])},
		{"impossible length of record 1", func(d []byte) []byte { d[offsets[2]+3] = 0xff; return d },
			fmt.Sprintf("corrupt record 1 at byte offset %d: length", offsets[2])},
		{"zeroed record 1", func(d []byte) []byte { clear(d[offsets[2] : offsets[2]+journalFrame]); return d },
			fmt.Sprintf("corrupt record 1 at byte offset %d: checksum mismatch", offsets[2])},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.bin")
			writeJournal(t, path, []byte("h"), recs)
			data := tt.mutate(readFile(t, path))
			if err := os.WriteFile(path, data, 0o666); err != nil {
				t.Fatal(err)
			}
			_, _, _, err := Read(path)
			checkCorrupt(t, "Read", err, path, tt.want)
			j, _, _, err := Open(path)
			checkCorrupt(t, "Open", err, path, tt.want)
			if j != nil {
				t.Errorf("Open returned a journal with its error")
			}
			if !bytes.Equal(readFile(t, path), data) {
				t.Errorf("the file was modified")
			}
		})
	}
}

func checkCorrupt(t *testing.T, op string, err error, path, want string) {
	t.Helper()
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("%s: err = %v, want ErrCorrupt", op, err)
	}
	if msg := err.Error(); !strings.Contains(msg, want) || !strings.Contains(msg, path) {
		t.Errorf("%s: err = %q, want it to name %s and contain %q", op, msg, path, want)
	}
}

// A faultyFile injects errors into a journal's file.
type faultyFile struct {
	f         *os.File
	writes    int
	failWrite int   // the number of the write to fail, from 1; 0 for none
	writeErr  error // a failing write writes half its bytes, then fails with this
	truncErr  error
	syncErr   error
}

func (ff *faultyFile) Write(p []byte) (int, error) {
	ff.writes++
	if ff.writes == ff.failWrite {
		n, _ := ff.f.Write(p[:len(p)/2])
		return n, &os.PathError{Op: "write", Path: ff.f.Name(), Err: ff.writeErr}
	}
	return ff.f.Write(p)
}

func (ff *faultyFile) Truncate(size int64) error {
	if ff.truncErr != nil {
		return &os.PathError{Op: "truncate", Path: ff.f.Name(), Err: ff.truncErr}
	}
	return ff.f.Truncate(size)
}

func (ff *faultyFile) Sync() error {
	if ff.syncErr != nil {
		return &os.PathError{Op: "sync", Path: ff.f.Name(), Err: ff.syncErr}
	}
	return ff.f.Sync()
}

// TestJournalWriteError fails the 5th append (half written) with ENOSPC:
// records 1-4 stay readable, and appends succeed again once space is back.
func TestJournalWriteError(t *testing.T) {
	for _, tt := range []struct {
		name          string
		truncateFails bool // the truncation after the failed write fails too
	}{
		{"truncated", false},
		{"truncate fails", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.bin")
			j, err := Create(path, []byte("h"))
			if err != nil {
				t.Fatal(err)
			}
			ff := &faultyFile{f: j.f, failWrite: 5, writeErr: syscall.ENOSPC}
			if tt.truncateFails {
				ff.truncErr = syscall.EIO
			}
			j.w = ff
			recs := testRecords(6)[1:] // records 1-5, non-empty
			for i, rec := range recs[:4] {
				if err := j.Append(rec); err != nil {
					t.Fatalf("Append %d: %v", i+1, err)
				}
			}
			err = j.Append(recs[4])
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("Append 5: err = %v, want ENOSPC", err)
			}
			if want := fmt.Sprintf("journal: %s: append: %v", path, syscall.ENOSPC); err.Error() != want {
				t.Errorf("Append 5: err = %q, want %q", err, want)
			}
			_, got, torn, err := Read(path)
			if err != nil {
				t.Fatalf("Read after the failed append: %v", err)
			}
			checkRecords(t, got, recs[:4])
			if torn != tt.truncateFails {
				t.Errorf("Read after the failed append: torn = %v, want %v", torn, tt.truncateFails)
			}

			if tt.truncateFails {
				// Still no space to truncate: Append fails before writing.
				ff.failWrite = 0
				if err := j.Append([]byte("no")); !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), path) {
					t.Errorf("Append while the truncation fails: err = %v, want EIO naming the file", err)
				}
				ff.truncErr = nil
			}
			// Space is back.
			if err := j.Append(recs[4]); err != nil {
				t.Fatalf("Append after the fault: %v", err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			checkJournal(t, path, []byte("h"), recs)
		})
	}
}

// TestJournalSyncError: a failed Sync breaks the journal for good.
func TestJournalSyncError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.bin")
	j, err := Create(path, []byte("h"))
	if err != nil {
		t.Fatal(err)
	}
	ff := &faultyFile{f: j.f, syncErr: syscall.EIO}
	j.w = ff
	if err := j.Append([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(); !errors.Is(err, syscall.EIO) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Sync: err = %v, want EIO naming the file", err)
	}
	ff.syncErr = nil
	if err := j.Append([]byte("b")); !errors.Is(err, syscall.EIO) {
		t.Errorf("Append after a failed Sync: err = %v, want EIO", err)
	}
	if err := j.Sync(); !errors.Is(err, syscall.EIO) {
		t.Errorf("Sync after a failed Sync: err = %v, want EIO", err)
	}
	if err := j.Close(); !errors.Is(err, syscall.EIO) {
		t.Errorf("Close after a failed Sync: err = %v, want EIO", err)
	}
	checkJournal(t, path, []byte("h"), [][]byte{[]byte("a")})
}

// envJournalChild makes TestJournalChild append to the journal it names.
const envJournalChild = "SIMRUN_TEST_JOURNAL_CHILD"

// TestJournalChild is the child of TestJournalKill: with envJournalChild
// set, it appends testRecord(i) for i = 0, 1, ... to the journal, printing
// the number of records appended after each Append, until it is killed.
func TestJournalChild(t *testing.T) {
	path := os.Getenv(envJournalChild)
	if path == "" {
		t.Skip("the child process of TestJournalKill")
	}
	j, _, recs, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	deadline := time.Now().Add(30 * time.Second)
	for i := len(recs); time.Now().Before(deadline); i++ {
		if err := j.Append(testRecord(i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Printf("%d\n", i+1)
	}
	fmt.Fprintln(os.Stderr, "not killed within 30s")
	os.Exit(2)
}

// TestJournalKill SIGKILLs a process appending to a journal: every record
// it reported appended is there, and at most one more.
func TestJournalKill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal.bin")
	writeJournal(t, path, []byte("h"), testRecords(3))
	for round := range 3 { // each round appends to what the last left
		cmd := exec.Command(os.Args[0], "-test.run=^TestJournalChild$")
		cmd.Env = append(os.Environ(), envJournalChild+"="+path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		_, before, _, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		reported, killed := 0, false
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			n, err := strconv.Atoi(sc.Text())
			if err != nil {
				continue // not a count
			}
			reported = n
			if !killed && n >= len(before)+200 {
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("round %d: the child exited (%v) after reporting %d records:\n%s", round, err, reported, stderr.Bytes())
		}
		if err == nil {
			t.Fatalf("round %d: the child exited cleanly although killed", round)
		}
		_, _, torn, err := Read(path)
		if err != nil {
			t.Fatalf("round %d: Read: %v", round, err)
		}
		j, _, got, err := Open(path)
		if err != nil {
			t.Fatalf("round %d: Open: %v", round, err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: reported %d records, found %d, torn %v", round, reported, len(got), torn)
		if len(got) < reported || len(got) > reported+1 {
			t.Fatalf("round %d: found %d records, want %d or %d", round, len(got), reported, reported+1)
		}
		checkRecords(t, got, testRecords(len(got)))
	}
}

// FuzzOpen reads arbitrary bytes as a journal: no panic, and
// whatever is read is a prefix of the file that Open keeps and
// appends after; what Salvage repairs reads back with the records the
// error counted.
func FuzzOpen(f *testing.F) {
	valid := appendJournalRecord([]byte(journalMagic), []byte("header"))
	for _, rec := range [][]byte{[]byte("one"), {}, []byte("three"), bytes.Repeat([]byte{7}, 100)} {
		valid = appendJournalRecord(valid, rec)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-3])
	f.Add(append(slices.Clone(valid), make([]byte, 20)...))
	f.Add([]byte(journalMagic))
	f.Add([]byte{})
	f.Add([]byte("SIMRUNJ1\xff\xff\xff\xff"))
	damaged := slices.Clone(valid)
	damaged[len(journalMagic)+journalFrame+len("header")] = 0x7f // the length of record 0, past the end
	f.Add(damaged)
	f.Add(slices.Insert(slices.Clone(valid), len(valid)-journalFrame-100, 1, 2, 3))
	dir := f.TempDir()
	var n int
	f.Fuzz(func(t *testing.T, data []byte) {
		n++
		path := filepath.Join(dir, fmt.Sprintf("j%d", n))
		defer os.Remove(path)
		if err := os.WriteFile(path, data, 0o666); err != nil {
			t.Fatal(err)
		}
		header, records, torn, rerr := Read(path)
		if !bytes.Equal(readFile(t, path), data) {
			t.Fatalf("Read modified the file")
		}
		fuzzSalvage(t, filepath.Join(dir, fmt.Sprintf("s%d", n)), data, records, rerr)
		var enc []byte
		if rerr != nil {
			if !errors.Is(rerr, ErrCorrupt) {
				t.Fatalf("Read: err = %v, want ErrCorrupt", rerr)
			}
		} else {
			// What was read is what the file starts with.
			enc = appendJournalRecord([]byte(journalMagic), header)
			for _, rec := range records {
				enc = appendJournalRecord(enc, rec)
			}
			if !bytes.HasPrefix(data, enc) || torn != (len(enc) < len(data)) {
				t.Fatalf("Read: read %d of %d bytes, torn = %v", len(enc), len(data), torn)
			}
		}

		j, header2, records2, err := Open(path)
		if (err == nil) != (rerr == nil) {
			t.Fatalf("Read: %v; Open: %v", rerr, err)
		}
		if err != nil {
			if !bytes.Equal(readFile(t, path), data) {
				t.Fatalf("a failed Open modified the file")
			}
			return
		}
		if !bytes.Equal(header2, header) || len(records2) != len(records) {
			t.Fatalf("Open read otherwise than Read")
		}
		if !bytes.Equal(readFile(t, path), enc) {
			t.Fatalf("Open did not truncate the file to its intact records")
		}
		if err := j.Append([]byte("appended")); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		checkJournal(t, path, header, append(records, []byte("appended")))
	})
}

// recordOffsets returns the byte offsets of the records of a journal file
// written without damage: [0] is the header's, [i+1] record i's, and the
// last is the end of the file.
func recordOffsets(t testing.TB, data []byte) []int {
	t.Helper()
	offs := []int{len(journalMagic)}
	for off := len(journalMagic); off < len(data); {
		end, ok := intactAt(data, off)
		if !ok {
			t.Fatalf("no intact record at byte offset %d", off)
		}
		off = end
		offs = append(offs, off)
	}
	return offs
}

// TestJournalDamage: a record in the middle that is not intact, with
// intact records after it, is damage, not a torn tail: Read and Open
// report it, with its offset and the intact records behind it, and leave
// the file as it is.
func TestJournalDamage(t *testing.T) {
	recs := testRecords(100)
	for _, tt := range []struct {
		name string
		// mutate damages d, whose records start at offs (see
		// recordOffsets).
		mutate     func(d []byte, offs []int) []byte
		record     int // the record reported, -1 for the header
		intact     int // the intact records after it
		want       string
		wantOffset func(offs []int) int
	}{
		{"length in the middle past the end", func(d []byte, offs []int) []byte {
			binary.LittleEndian.PutUint32(d[offs[32]:], 16<<20)
			return d
		}, 31, 68, "length 16777216 runs past the end of the file", func(offs []int) int { return offs[32] }},
		{"length of an empty record in the middle past the end", func(d []byte, offs []int) []byte {
			binary.LittleEndian.PutUint32(d[offs[31]:], 16<<20)
			return d
		}, 30, 69, "runs past the end of the file", func(offs []int) int { return offs[31] }},
		{"length in the middle past the end by one byte", func(d []byte, offs []int) []byte {
			binary.LittleEndian.PutUint32(d[offs[31]:], uint32(len(d)-offs[31]-journalFrame+1))
			return d
		}, 30, 69, "runs past the end of the file", func(offs []int) int { return offs[31] }},
		{"length of the next to last record past the end", func(d []byte, offs []int) []byte {
			binary.LittleEndian.PutUint32(d[offs[99]:], 16<<20)
			return d
		}, 98, 1, "1 intact record follows it", func(offs []int) int { return offs[99] }},
		{"length in the middle above the maximum", func(d []byte, offs []int) []byte {
			binary.LittleEndian.PutUint32(d[offs[51]:], MaxRecord+1)
			return d
		}, 50, 49, "exceeds the maximum", func(offs []int) int { return offs[51] }},
		{"shorter length in the middle", func(d []byte, offs []int) []byte {
			d[offs[11]]--
			return d
		}, 10, 89, "checksum mismatch", func(offs []int) int { return offs[11] }},
		{"flipped byte in the middle", func(d []byte, offs []int) []byte {
			d[offs[2]+journalFrame+3] ^= 0x40
			return d
		}, 1, 98, "checksum mismatch", func(offs []int) int { return offs[2] }},
		{"zeroed frame in the middle", func(d []byte, offs []int) []byte {
			clear(d[offs[41] : offs[41]+journalFrame])
			return d
		}, 40, 59, "checksum mismatch", func(offs []int) int { return offs[41] }},
		{"garbage between records", func(d []byte, offs []int) []byte {
			return slices.Insert(d, offs[21], garbage(100)...)
		}, 20, 80, "", func(offs []int) int { return offs[21] }},
		{"two damaged records", func(d []byte, offs []int) []byte {
			binary.LittleEndian.PutUint32(d[offs[61]:], 16<<20)
			d[offs[6]+4] ^= 1
			return d
		}, 5, 93, "record 5", func(offs []int) int { return offs[6] }},
		{"damaged header", func(d []byte, offs []int) []byte {
			binary.LittleEndian.PutUint32(d[offs[0]:], 16<<20)
			return d
		}, -1, 100, "corrupt header record", func(offs []int) int { return offs[0] }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.bin")
			writeJournal(t, path, []byte("h"), recs)
			intact := readFile(t, path)
			data := tt.mutate(slices.Clone(intact), recordOffsets(t, intact))
			if err := os.WriteFile(path, data, 0o666); err != nil {
				t.Fatal(err)
			}
			off := tt.wantOffset(recordOffsets(t, intact))
			_, _, _, rerr := Read(path)
			j, _, _, oerr := Open(path)
			if j != nil {
				t.Errorf("Open returned a journal with its error")
				j.Close()
			}
			for op, err := range map[string]error{"Read": rerr, "Open": oerr} {
				checkCorrupt(t, op, err, path, fmt.Sprintf("at byte offset %d: ", off))
				if !strings.Contains(err.Error(), tt.want) {
					t.Errorf("%s: err = %q, want it to contain %q", op, err, tt.want)
				}
				var ce *CorruptError
				if !errors.As(err, &ce) {
					t.Fatalf("%s: err = %v, want a *CorruptError", op, err)
				}
				if ce.Path != path || ce.Offset != int64(off) || ce.Record != tt.record || ce.Intact != tt.intact {
					t.Errorf("%s: %+v, want path %s, offset %d, record %d, %d intact after", op, *ce, path, off, tt.record, tt.intact)
				}
				if want := fmt.Sprintf("%s follow", words.Count(int64(tt.intact), "intact record")); !strings.Contains(err.Error(), want) {
					t.Errorf("%s: err = %q, want it to contain %q", op, err, want)
				}
			}
			if !bytes.Equal(readFile(t, path), data) {
				t.Errorf("the file was modified")
			}
		})
	}
}

// TestJournalSymlink: a journal is never created, read, opened or
// salvaged through a symbolic link, lest another run's be truncated or
// appended to.
func TestJournalSymlink(t *testing.T) {
	dir := t.TempDir()
	other := filepath.Join(dir, "other.bin")
	writeJournal(t, other, []byte("h"), testRecords(3))
	// A torn tail, which Open and Salvage would drop through the link.
	torn := append(readFile(t, other), 1, 2, 3)
	if err := os.WriteFile(other, torn, 0o666); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "journal.bin")
	if err := os.Symlink("other.bin", link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	dangling := filepath.Join(dir, "dangling.bin")
	if err := os.Symlink("missing.bin", dangling); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		do   func(path string) error
	}{
		{"Create", func(p string) error { _, err := Create(p, []byte("new")); return err }},
		{"Open", func(p string) error { _, _, _, err := Open(p); return err }},
		{"Read", func(p string) error { _, _, _, err := Read(p); return err }},
		{"Salvage", func(p string) error { _, _, err := Salvage(p); return err }},
	} {
		for _, path := range []string{link, dangling} {
			t.Run(tt.name+"/"+filepath.Base(path), func(t *testing.T) {
				err := tt.do(path)
				if !errors.Is(err, ErrSymlink) || !strings.Contains(err.Error(), path) {
					t.Errorf("err = %v, want ErrSymlink naming %s", err, path)
				}
			})
		}
	}
	if !bytes.Equal(readFile(t, other), torn) {
		t.Errorf("the journal linked to was modified")
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was created through the dangling link: %v", err)
	}
	if _, _, _, err := Read(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("Read of a directory: err = %v, want \"not a regular file\"", err)
	}
}

// fuzzSalvage salvages a copy of data at path, which Read read as records
// or failed to read with rerr: what Salvage keeps reads back cleanly, the
// records that Read read, or those the error counted.
func fuzzSalvage(t *testing.T, path string, data []byte, records [][]byte, rerr error) {
	t.Helper()
	defer os.Remove(path)
	if err := os.WriteFile(path, data, 0o666); err != nil {
		t.Fatal(err)
	}
	kept, dropped, err := Salvage(path)
	var ce *CorruptError
	repairable := rerr == nil || errors.As(rerr, &ce) && ce.Record >= 0
	if (err == nil) != repairable {
		t.Fatalf("Read: %v; Salvage: %v", rerr, err)
	}
	if err != nil {
		if !bytes.Equal(readFile(t, path), data) {
			t.Fatalf("a failed Salvage modified the file")
		}
		return
	}
	_, got, torn, err := Read(path)
	if err != nil || torn {
		t.Fatalf("Read after Salvage: torn %v, %v", torn, err)
	}
	if kept != len(got) || int64(len(data))-dropped != int64(len(readFile(t, path))) {
		t.Fatalf("Salvage: kept %d, dropped %d of %d bytes; the file holds %d records", kept, dropped, len(data), len(got))
	}
	want := len(records)
	if ce != nil {
		want = ce.Record + ce.Intact
	} else {
		checkRecords(t, got, records)
	}
	if kept != want {
		t.Fatalf("Salvage kept %d records, want %d", kept, want)
	}
}
