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
