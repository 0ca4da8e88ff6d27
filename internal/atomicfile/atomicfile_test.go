package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestWriteFile(t *testing.T) {
	errWrite := errors.New("write failed")
	for _, test := range []struct {
		name     string
		existing string // "" for no existing file
		write    func(io.Writer) error
		want     string // file content afterwards; "" for no file
		wantErr  error
	}{
		{name: "new file", write: writeString("new"), want: "new"},
		{name: "replace", existing: "old", write: writeString("new"), want: "new"},
		{name: "fail, no file", write: failAfter("partial", errWrite), wantErr: errWrite},
		{name: "fail, keeps old", existing: "old", write: failAfter("partial", errWrite), want: "old", wantErr: errWrite},
		{name: "large", write: writeString(strings.Repeat("x", 1<<20)), want: strings.Repeat("x", 1<<20)},
	} {
		t.Run(test.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "results.csv")
			if test.existing != "" {
				if err := os.WriteFile(path, []byte(test.existing), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := WriteFile(path, test.write)
			if !errors.Is(err, test.wantErr) {
				t.Fatalf("WriteFile error = %v, want %v", err, test.wantErr)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "atomicfile: write "+path+": ") {
				t.Errorf("error %q does not name the path", err)
			}
			got, rerr := os.ReadFile(path)
			switch {
			case test.want == "" && !errors.Is(rerr, os.ErrNotExist):
				t.Errorf("file exists (%v), want none", rerr)
			case test.want != "" && string(got) != test.want:
				t.Errorf("file = %.20q (%d bytes), want %.20q", got, len(got), test.want)
			}
			if test.want != "" {
				if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
					t.Errorf("mode = %v (%v), want 0644", fi.Mode(), err)
				}
			}
			assertOnly(t, dir, test.want != "", "results.csv")
		})
	}
}

func TestWriteFilePanic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.csv")
	func() {
		defer func() { recover() }()
		WriteFile(path, func(w io.Writer) error { panic("boom") })
	}()
	assertOnly(t, dir, false, "results.csv")
}

func TestWriteFileUnwritable(t *testing.T) {
	dir := t.TempDir()
	for _, test := range []struct {
		name  string
		setup func(t *testing.T) string // returns the path to write
	}{
		{name: "missing directory", setup: func(t *testing.T) string {
			return filepath.Join(dir, "missing", "results.csv")
		}},
		{name: "parent is a file", setup: func(t *testing.T) string {
			f := filepath.Join(dir, "file")
			if err := os.WriteFile(f, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(f, "results.csv")
		}},
		{name: "read-only directory", setup: func(t *testing.T) string {
			if os.Geteuid() == 0 {
				t.Skip("root can write to a read-only directory")
			}
			ro := filepath.Join(dir, "ro")
			if err := os.Mkdir(ro, 0o555); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(ro, 0o755) })
			return filepath.Join(ro, "results.csv")
		}},
	} {
		t.Run(test.name, func(t *testing.T) {
			path := test.setup(t)
			err := WriteFile(path, writeString("x"))
			if err == nil || !strings.HasPrefix(err.Error(), "atomicfile: write "+path+": ") {
				t.Errorf("WriteFile(%s) error = %v, want one naming the path", path, err)
			}
		})
	}
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func failAfter(s string, err error) func(io.Writer) error {
	return func(w io.Writer) error {
		io.WriteString(w, s)
		return err
	}
}

// assertOnly checks that dir holds name (if want) and nothing else: no
// temporary file left behind.
func assertOnly(t *testing.T, dir string, want bool, name string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want && (len(names) != 1 || names[0] != name) || !want && len(names) != 0 {
		t.Errorf("directory holds %q, want only %q: %v", names, name, want)
	}
}

func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(dir); err != nil {
		t.Errorf("SyncDir(%s) = %v, want nil", dir, err)
	}
	missing := filepath.Join(dir, "missing")
	if err := SyncDir(missing); runtime.GOOS != "windows" && !errors.Is(err, os.ErrNotExist) {
		t.Errorf("SyncDir(%s) = %v, want an error wrapping os.ErrNotExist", missing, err)
	}
}

// TestWriteFileAt writes a file out of order, and leaves nothing behind
// when the write fails.
func TestWriteFileAt(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	err := WriteFileAt(path, func(f *os.File) error {
		if err := f.Truncate(6); err != nil {
			return err
		}
		if _, err := f.WriteAt([]byte("def"), 3); err != nil {
			return err
		}
		_, err := f.WriteAt([]byte("abc"), 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "abcdef" {
		t.Errorf("read %q, %v; want abcdef", b, err)
	}
	if err := WriteFileAt(path, func(f *os.File) error { return errors.New("no") }); err == nil {
		t.Error("a failed write succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "abcdef" {
		t.Errorf("a failed write changed the file: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a failed write left %d files, want the one", len(entries))
	}
}

// TestWriteBack: writes interleaved with WriteBack requests, and writes
// after them, are all in the committed file; WriteBack after Commit, and
// Abort after WriteBack, are safe.
func TestWriteBack(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "chunks.bin")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for i := range 64 {
		block := []byte(strings.Repeat(string(rune('a'+i%26)), 64<<10))
		if _, err := f.WriteAt(block, int64(len(want))); err != nil {
			t.Fatal(err)
		}
		want = append(want, block...)
		f.WriteBack()
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.WriteBack() // after Commit: nothing
	if got, err := os.ReadFile(path); err != nil || string(got) != string(want) {
		t.Fatalf("committed file: %d bytes (%v), want the %d written", len(got), err, len(want))
	}

	g, err := Create(filepath.Join(dir, "aborted"))
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("x")
	g.WriteBack()
	g.Abort()
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 1 {
		t.Errorf("after Abort, %s holds %d entries (%v), want only chunks.bin", dir, len(entries), err)
	}
}
