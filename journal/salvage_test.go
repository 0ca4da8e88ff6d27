package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSalvage damages a journal of 100 records and salvages it: every
// record that was not damaged is kept, in order, on both sides of the
// damage, and the journal opens again.
func TestSalvage(t *testing.T) {
	recs := testRecords(100)
	for _, tt := range []struct {
		name string
		// mutate damages d, whose records start at offs (see
		// recordOffsets).
		mutate  func(d []byte, offs []int) []byte
		lost    []int // the records lost
		dropped func(offs []int) int
	}{
		{"length in the middle past the end", func(d []byte, offs []int) []byte {
			binary.LittleEndian.PutUint32(d[offs[32]:], 16<<20)
			return d
		}, []int{31}, func(offs []int) int { return offs[33] - offs[32] }},
		{"flipped byte in record 1", func(d []byte, offs []int) []byte {
			d[offs[2]+journalFrame] ^= 1 // record 0 is empty
			return d
		}, []int{1}, func(offs []int) int { return offs[3] - offs[2] }},
		{"two damaged records", func(d []byte, offs []int) []byte {
			d[offs[6]+4] ^= 1
			binary.LittleEndian.PutUint32(d[offs[62]:], MaxRecord+1)
			return d
		}, []int{5, 61}, func(offs []int) int { return offs[7] - offs[6] + offs[63] - offs[62] }},
		{"two adjacent damaged records", func(d []byte, offs []int) []byte {
			d[offs[46]+journalFrame+1] ^= 1
			d[offs[47]+journalFrame+1] ^= 1
			return d
		}, []int{45, 46}, func(offs []int) int { return offs[48] - offs[46] }},
		{"garbage between records", func(d []byte, offs []int) []byte {
			return slices.Insert(d, offs[21], garbage(100)...)
		}, nil, func([]int) int { return 100 }},
		{"damaged record and torn tail", func(d []byte, offs []int) []byte {
			binary.LittleEndian.PutUint32(d[offs[12]:], 16<<20)
			return d[:len(d)-5]
		}, []int{11, 99}, func(offs []int) int { return offs[13] - offs[12] + offs[101] - offs[100] - 5 }},
		{"torn tail", func(d []byte, offs []int) []byte { return d[:len(d)-5] },
			[]int{99}, func(offs []int) int { return offs[101] - offs[100] - 5 }},
		{"zero tail", func(d []byte, offs []int) []byte { return append(d, make([]byte, 4096)...) },
			nil, func([]int) int { return 4096 }},
		{"intact", func(d []byte, offs []int) []byte { return d }, nil, func([]int) int { return 0 }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.bin")
			writeJournal(t, path, []byte("header"), recs)
			intact := readFile(t, path)
			offs := recordOffsets(t, intact)
			data := tt.mutate(slices.Clone(intact), offs)
			if err := os.WriteFile(path, data, 0o666); err != nil {
				t.Fatal(err)
			}
			before, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			kept, dropped, err := Salvage(path)
			if err != nil {
				t.Fatalf("Salvage: %v", err)
			}
			var want [][]byte
			for i, rec := range recs {
				if !slices.Contains(tt.lost, i) {
					want = append(want, rec)
				}
			}
			if kept != len(want) || dropped != int64(tt.dropped(offs)) {
				t.Errorf("Salvage: kept %d records, dropped %d bytes; want %d and %d", kept, dropped, len(want), tt.dropped(offs))
			}
			checkJournal(t, path, []byte("header"), want)
			after, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if rewritten := !os.SameFile(before, after); rewritten != (dropped > 0) {
				t.Errorf("rewritten = %v, dropped %d bytes", rewritten, dropped)
			}
			if names, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(names) > 0 {
				t.Errorf("Salvage left %v behind", names)
			}
			j, _, got, err := Open(path)
			if err != nil {
				t.Fatalf("Open after Salvage: %v", err)
			}
			checkRecords(t, got, want)
			if err := j.Append([]byte("appended")); err != nil {
				t.Fatal(err)
			}
			if err := j.Close(); err != nil {
				t.Fatal(err)
			}
			checkJournal(t, path, []byte("header"), append(want, []byte("appended")))
		})
	}
}

// TestSalvageInvalid: what Salvage cannot repair is an error, and the
// file is left as it is.
func TestSalvageInvalid(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mutate func(d []byte) []byte
		want   string
	}{
		{"damaged header", func(d []byte) []byte { d[len(journalMagic)+journalFrame] ^= 1; return d },
			"corrupt header record at byte offset 8: checksum mismatch; 3 intact records follow it"},
		{"torn header", func(d []byte) []byte { return d[:12] }, "no complete header record"},
		{"bad magic", func(d []byte) []byte { d[0] = 'X'; return d }, "bad magic"},
		{"empty file", func(d []byte) []byte { return nil }, "no header record"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal.bin")
			writeJournal(t, path, []byte("header"), testRecords(3))
			data := tt.mutate(readFile(t, path))
			if err := os.WriteFile(path, data, 0o666); err != nil {
				t.Fatal(err)
			}
			_, _, err := Salvage(path)
			checkCorrupt(t, "Salvage", err, path, tt.want)
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Record != -1 {
				t.Errorf("Salvage: err = %#v, want a *CorruptError of record -1", err)
			}
			if !bytes.Equal(readFile(t, path), data) {
				t.Errorf("the file was modified")
			}
		})
	}
	if _, _, err := Salvage(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "salvage") {
		t.Errorf("Salvage of a missing file: err = %v, want os.ErrNotExist", err)
	}
}
