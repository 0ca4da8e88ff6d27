package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
)

// TestExitCodes holds every subcommand to the README's table on damaged
// or unusable directories: what the user must fix exits 2, with the path
// named, before any work is done.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	done := filepath.Join(dir, "done")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", done, file); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// fresh returns a copy of the finished run, damaged by damage.
	n := 0
	fresh := func(damage func(d string)) string {
		n++
		d := filepath.Join(dir, "case", string(rune('a'+n)))
		if err := os.CopyFS(d, os.DirFS(done)); err != nil {
			t.Fatal(err)
		}
		damage(d)
		return d
	}
	replaceByDir := func(name string) func(string) {
		return func(d string) {
			if err := os.Remove(filepath.Join(d, name)); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(d, name), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	badMagic := func(d string) {
		if err := os.WriteFile(filepath.Join(d, engine.JournalFile), []byte("NOTAJOURNAL-AT-ALL"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		args func() []string
		want string
	}{
		{"status of a bad journal", func() []string { return []string{"status", fresh(badMagic)} }, "bad magic"},
		{"run onto a bad journal", func() []string { return []string{"run", "--quiet", "--out", fresh(badMagic), file} }, "bad magic"},
		{"run with results.csv a directory", func() []string {
			return []string{"run", "--quiet", "--force", "--out", fresh(replaceByDir(engine.ResultsCSV)), file}
		}, "results.csv is a directory"},
		{"report with results.csv a directory", func() []string { return []string{"report", fresh(replaceByDir(engine.ResultsCSV))} }, "results.csv is a directory"},
		{"report of no run", func() []string { return []string{"report", t.TempDir()} }, "holds no run"},
		{"verify of no run", func() []string { return []string{"verify", t.TempDir()} }, "holds no run"},
		{"check of no run", func() []string { return []string{"check", t.TempDir()} }, "holds no run"},
		{"status of no run", func() []string { return []string{"status", t.TempDir()} }, "holds no run"},
		{"merge of no shards", func() []string { return []string{"merge", t.TempDir()} }, "no shards"},
		{"compare of no results", func() []string { return []string{"compare", t.TempDir(), done} }, "results.json"},
		{"chunk out of range", func() []string { return []string{"chunk", file, "99", "0"} }, "want a point in"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := simrun(t, tc.args()...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tc.want)
			}
		})
	}
}
