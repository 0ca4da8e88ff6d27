package engine

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestBundledExperimentsUnchanged runs every experiment in experiments/
// and compares the SHA-256 of its results.csv and chunks.bin with
// testdata/bundled.sha256 (sha256sum's format), recorded with the simrun
// of before the engine left package main: the statistics of the bundled
// experiments are the same bytes whatever the code's shape. Only a change
// that is meant to change results (a new kernel version, recorded as such)
// may rewrite the file, with -update.
func TestBundledExperimentsUnchanged(t *testing.T) {
	files, err := filepath.Glob("../experiments/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bundled experiments found: %v", err)
	}
	out := t.TempDir()
	var lines []string
	for _, name := range []string{ResultsCSV, ChunksFile} {
		for _, file := range files {
			exp := strings.TrimSuffix(filepath.Base(file), ".toml")
			dir := filepath.Join(out, exp)
			if name == ResultsCSV {
				runFile(t, file, dir, Options{Workers: 2, InProcess: true})
			}
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%x  %s/%s", sha256.Sum256(b), exp, name))
		}
	}
	got := []byte(strings.Join(lines, "\n") + "\n")
	golden := filepath.Join("testdata", "bundled.sha256")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for _, l := range gotLines {
			if !slices.Contains(wantLines, l) {
				t.Errorf("differs from %s: %s", golden, l)
			}
		}
	}
}
