package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

// chunkResults runs every chunk of the experiment in src through the
// worker's handler and returns each chunk's encoded result by (point key,
// chunk index).
func chunkResults(t *testing.T, src string) map[string][]byte {
	t.Helper()
	e, err := sim.Parse("stability.toml", []byte(src), testEngine.Kernels())
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte)
	for p := range e.NumPoints() {
		for c := range e.Budget.Chunks {
			accs, err := testEngine.Chunk(e, p, c)
			if err != nil {
				t.Fatal(err)
			}
			out[e.Point(p).Key+"#"+string(rune('0'+c))] = sim.AppendAccs(nil, accs)
		}
	}
	return out
}

// TestExistingChunksUnchanged shows that chunk streams are keyed by
// parameter values and chunk index: adding a sweep value (even in front)
// and raising the sample budget leave every existing chunk's result as it was.
func TestExistingChunksUnchanged(t *testing.T) {
	before := chunkResults(t, `kernel = "randomwalk"
seed = 7
[params]
steps = 20
[sweep]
d = [1, 2]
[samples]
samples = 1000
chunk_size = 250
`)
	after := chunkResults(t, `kernel = "randomwalk"
seed = 7
[params]
steps = 20
[sweep]
d = [3, 1, 2]
[samples]
samples = 2000
chunk_size = 250
`)
	if len(before) != 2*4 || len(after) != 3*8 {
		t.Fatalf("got %d and %d chunks, want 8 and 24", len(before), len(after))
	}
	for k, b := range before {
		a, ok := after[k]
		if !ok {
			t.Fatalf("chunk %s missing after the change", k)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("chunk %s changed when the sweep and budget grew", k)
		}
	}
	// A different seed must change them: the test could fail.
	other := chunkResults(t, `kernel = "randomwalk"
seed = 8
[params]
steps = 20
[sweep]
d = [1, 2]
[samples]
samples = 1000
chunk_size = 250
`)
	for k, b := range before {
		if bytes.Equal(other[k], b) {
			t.Errorf("chunk %s is the same under seed 8 as under seed 7", k)
		}
	}
}

// TestAddedSweepValueKeepsRows checks the same property end to end: the
// rows of results.csv for the old points are unchanged, apart from the
// point index, when a value is added to the sweep.
func TestAddedSweepValueKeepsRows(t *testing.T) {
	dir := t.TempDir()
	base := "kernel = \"randomwalk\"\nseed = 3\n[samples]\nsamples = 3000\nchunk_size = 500\n[sweep]\n"
	a := writeTestFile(t, dir, "a.toml", base+"steps = [10, 30]\n")
	b := writeTestFile(t, dir, "b.toml", base+"steps = [5, 10, 30]\n")
	rows := func(file, out string) map[string]bool {
		runFile(t, file, out, Options{Workers: 2})
		data, err := os.ReadFile(filepath.Join(out, "results.csv"))
		if err != nil {
			t.Fatal(err)
		}
		m := make(map[string]bool)
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
			_, rest, _ := strings.Cut(line, ",") // drop the point index
			m[rest] = true
		}
		return m
	}
	ra, rb := rows(a, filepath.Join(dir, "a")), rows(b, filepath.Join(dir, "b"))
	if len(ra) != 4 || len(rb) != 6 {
		t.Fatalf("got %d and %d rows, want 4 and 6", len(ra), len(rb))
	}
	for r := range ra {
		if !rb[r] {
			t.Errorf("row %q changed when steps=5 was added", r)
		}
	}
}
