package engine

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTables: [output] tables says which tidy tables a run writes; a
// table the experiment no longer asks for is removed, not left beside
// results of another run; report, a rerun and verify go by the same list.
func TestTables(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	experiment := func(tables string) string {
		return writeTestFile(t, dir, "walk.toml", `
kernel = "randomwalk"
seed = 3
[params]
d = 1
[sweep]
steps = [1, 2, 3]
[samples]
samples = 4
chunk_size = 2
[output]
`+tables)
	}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(out, name))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		return err == nil
	}
	for _, step := range []struct {
		name, tables string
		csv, parquet bool
	}{
		{"default", "", true, true},
		{"parquet only", `tables = ["parquet"]`, false, true},
		{"csv only", `tables = ["csv"]`, true, false},
		{"both again", `tables = ["parquet", "csv"]`, true, true},
	} {
		o := runFile(t, experiment(step.tables), out, Options{InProcess: true})
		var want []string
		for _, f := range []struct {
			name  string
			wants bool
		}{{ResultsCSV, step.csv}, {ResultsParquet, step.parquet}} {
			if exists(f.name) != f.wants {
				t.Errorf("%s: %s exists %v, want %v", step.name, f.name, exists(f.name), f.wants)
			}
			if f.wants {
				want = append(want, f.name)
			}
			if slices.Contains(o.Written, filepath.Join(out, f.name)) != f.wants {
				t.Errorf("%s: written %v; %s in it: want %v", step.name, o.Written, f.name, f.wants)
			}
		}
		if !slices.Equal(o.Results.Tables, want) {
			t.Errorf("%s: Results.Tables = %v, want %v", step.name, o.Results.Tables, want)
		}
		if again := runFile(t, experiment(step.tables), out, Options{InProcess: true}); !again.UpToDate || !slices.Equal(again.Results.Tables, want) {
			t.Errorf("%s: a rerun is up to date %v, with tables %v; want up to date, with %v", step.name, again.UpToDate, again.Results.Tables, want)
		}
		if _, written, err := testEngine.Report(out); err != nil {
			t.Fatal(err)
		} else if exists(ResultsCSV) != step.csv || exists(ResultsParquet) != step.parquet {
			t.Errorf("%s: report wrote %v", step.name, written)
		}
		v, err := testEngine.Verify(out, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Files) > 0 || len(v.Mismatches) > 0 {
			t.Errorf("%s: verify: files %v, mismatches %v", step.name, v.Files, v.Mismatches)
		}
	}
}

// TestResumeFeed: a run that resumes from its journal more points than a
// block of its feed reduces them from the chunks the journal gave back,
// not from a chunks.bin they are not yet written into: the grown sweep's
// table holds the first run's rows as they were.
func TestResumeFeed(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	experiment := func(to int) string {
		return writeTestFile(t, dir, "walk.toml", fmt.Sprintf(`
kernel = "randomwalk"
seed = 3
[params]
d = 1
[sweep]
steps = { from = 1, to = %d, step = 1 }
[samples]
samples = 2
chunk_size = 1
`, to))
	}
	runFile(t, experiment(3000), out, Options{InProcess: true})
	first, err := os.ReadFile(filepath.Join(out, ResultsCSV))
	if err != nil {
		t.Fatal(err)
	}
	grown := runFile(t, experiment(3001), out, Options{InProcess: true})
	if grown.Reused != 6000 {
		t.Fatalf("the grown run reused %d chunks, want the first run's 6000", grown.Reused)
	}
	second, err := os.ReadFile(filepath.Join(out, ResultsCSV))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(second, first) {
		t.Errorf("the grown sweep's table does not begin with the first run's:%s", firstDifference(second, first))
	}
}

// TestVerifyTables: verify compares each table with what the chunks give
// as the points are reduced, and says where a changed, cut or lengthened
// file first differs.
func TestVerifyTables(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	file := writeTestFile(t, dir, "walk.toml", `
kernel = "randomwalk"
seed = 3
[params]
d = 1
[sweep]
steps = [1, 2, 3]
[samples]
samples = 4
chunk_size = 2
`)
	runFile(t, file, out, Options{InProcess: true})
	for _, name := range []string{ResultsCSV, ResultsParquet} {
		path := filepath.Join(out, name)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		changed := bytes.Clone(orig)
		changed[len(orig)/2] ^= 1
		for _, tc := range []struct {
			name, want string
			data       []byte
		}{
			{"as written", "", orig},
			{"a bit changed", fmt.Sprintf("from byte %d on", len(orig)/2), changed},
			{"cut", "where the file ends there", orig[:len(orig)-1]},
			{"lengthened", fmt.Sprintf("it is longer: %d bytes are expected", len(orig)), append(bytes.Clone(orig), 'x')},
		} {
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			v, err := testEngine.Verify(out, 1)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(v.Files) > 0 {
					t.Errorf("%s %s: %v", name, tc.name, v.Files)
				}
				continue
			}
			if len(v.Files) != 1 || !strings.Contains(v.Files[0], path) || !strings.Contains(v.Files[0], tc.want) {
				t.Errorf("%s %s: verify says %q, want %s named with %q", name, tc.name, v.Files, path, tc.want)
			}
		}
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
