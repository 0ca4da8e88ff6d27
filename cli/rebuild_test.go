package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/report"
)

// TestReportRebuildsFromChunks: report recomputes the statistics from
// chunks.bin, not from results.json: an edited mean is put right, a
// deleted results.json is rebuilt (with a warning that the provenance is
// lost), and a renamed provenance key is refused instead of read as a
// zero seed. verify finds an edited results.json or results.csv.
func TestReportRebuildsFromChunks(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	csv, js := read(engine.ResultsCSV), read(engine.ResultsJSON)

	// An edited mean: verify names results.json, report puts it right.
	editResults(t, out, func(r *report.Results) { r.Points[1].Stats[0].Mean += 1 })
	stdout, _, code := simrun(t, "verify", out)
	if code != 1 || !strings.Contains(stdout, "results.json does not hold what chunks.bin gives") {
		t.Errorf("verify of an edited results.json: exit %d:\n%s", code, stdout)
	}
	if _, stderr, code := simrun(t, "report", "--quiet", out); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(read(engine.ResultsCSV), csv) || !bytes.Equal(read(engine.ResultsJSON), js) {
		t.Errorf("report kept the edited mean instead of recomputing it from the chunks")
	}

	// An edited results.csv: verify names it.
	if err := os.WriteFile(filepath.Join(out, engine.ResultsCSV), bytes.Replace(csv, []byte(",r2,"), []byte(",r3,"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if stdout, _, code := simrun(t, "verify", out); code != 1 || !strings.Contains(stdout, "results.csv does not hold") {
		t.Errorf("verify of an edited results.csv: exit %d:\n%s", code, stdout)
	}

	// No results.json: the statistics come back from the chunks alone.
	if err := os.Remove(filepath.Join(out, engine.ResultsJSON)); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := simrun(t, "report", "--quiet", out); code != 0 {
		t.Fatalf("report without results.json: exit %d: %s", code, stderr)
	}
	if !bytes.Equal(read(engine.ResultsCSV), csv) {
		t.Errorf("results.csv rebuilt without results.json differs from the run's")
	}
	if !bytes.Contains(read(engine.ResultsJSON), []byte("rebuilt without results.json")) {
		t.Errorf("the rebuilt results.json does not say its provenance was lost")
	}

	// A renamed provenance key is an error, not a seed of 0.
	if err := os.WriteFile(filepath.Join(out, engine.ResultsJSON), bytes.Replace(js, []byte(`"provenance"`), []byte(`"provenence"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := simrun(t, "report", out); code != 2 || !strings.Contains(stderr, `unknown field "provenence"`) {
		t.Errorf("report with a renamed provenance key: exit %d, stderr %q", code, stderr)
	}
}

// TestReportRefusesDamagedChunks: a flipped bit in chunks.bin, the source
// of truth, is damaged input (exit 2) naming the file and its checksum,
// and report rewrites nothing from it.
func TestReportRefusesDamagedChunks(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	path := filepath.Join(out, engine.ChunksFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0x10 // in a mean or a sum of squares
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, out)
	_, stderr, code := simrun(t, "report", out)
	if code != 2 || !strings.Contains(stderr, path) || !strings.Contains(stderr, "checksum mismatch") {
		t.Errorf("report of a damaged chunks.bin: exit %d, stderr %q; want 2 naming it and its checksum", code, stderr)
	}
	if after := snapshot(t, out); after != before {
		t.Errorf("report changed the directory:\nbefore %s\nafter  %s", before, after)
	}
}
