package engine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/kernels"
)

// TestMain lets the test binary serve as the engine's worker processes.
func TestMain(m *testing.M) {
	testEngine.Serve()
	os.Exit(m.Run())
}

var testEngine = New(kernels.Builtin())

const walkExperiment = `
name = "walk"
kernel = "randomwalk"
seed = 42

[params]
steps = 20

[sweep]
d = [1, 2, 3]

[samples]
samples = 5000
chunk_size = 400
`

// writeTestFile writes content to name in dir and returns its path.
func writeTestFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runFile loads file and runs it into dir with o, failing the test on an
// error.
func runFile(t *testing.T, file, dir string, o Options) *Outcome {
	t.Helper()
	e, err := testEngine.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	o.Dir = dir
	out, err := testEngine.Run(context.Background(), e, o)
	if err != nil {
		t.Fatalf("run %s into %s: %v", file, dir, err)
	}
	return out
}

// sameFiles fails unless the named files of directories a and b are
// byte-identical.
func sameFiles(t *testing.T, a, b string, names ...string) {
	t.Helper()
	for _, name := range names {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between %s and %s", name, a, b)
		}
	}
}

// TestRunInProcessAndProcesses: the same file gives the same bytes in
// process and on worker processes, through the library alone.
func TestRunInProcessAndProcesses(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "walk.toml", walkExperiment)
	a := runFile(t, file, filepath.Join(dir, "a"), Options{InProcess: true, Workers: 2})
	b := runFile(t, file, filepath.Join(dir, "b"), Options{Workers: 2})
	if a.Results == nil || len(a.Results.Points) != 3 || a.Results.Partial {
		t.Fatalf("in-process run: %+v", a.Results)
	}
	if a.Done != a.Total || a.Total != 3*13 {
		t.Errorf("done %d of %d chunks, want 39 of 39", a.Done, a.Total)
	}
	if got := b.Results.Provenance.Executor; got != "processes" {
		t.Errorf("executor %q, want processes", got)
	}
	sameFiles(t, a.Dir, b.Dir, ResultsCSV, ResultsParquet, ChunksFile)
}

// designExperiment is a sweep of two grid values by a scrambled Sobol
// design over a strike and a volatility.
const designExperiment = `
name = "design"
kernel = "option"
seed = 15
[params]
S0 = 100
r = 0.05
T = 1
[sweep]
antithetic = [false, true]
[design]
kind = "sobol"
points = 12
scramble = true
[design.params]
K = { from = 60, to = 140 }
sigma = { from = 0.05, to = 0.6, scale = "log" }
[samples]
samples = 3000
chunk_size = 500
`

// TestDesignWorkers: an experiment with a design gives the same bytes on
// 1, 2 and 3 worker processes and in process.
func TestDesignWorkers(t *testing.T) {
	dir := t.TempDir()
	file := writeTestFile(t, dir, "design.toml", designExperiment)
	ref := runFile(t, file, filepath.Join(dir, "inprocess"), Options{InProcess: true, Workers: 2})
	if ref.Total != 2*12*6 || len(ref.Results.Points) != 24 {
		t.Fatalf("%d chunks and %d points, want 144 and 24", ref.Total, len(ref.Results.Points))
	}
	for _, w := range []int{1, 2, 3} {
		o := runFile(t, file, filepath.Join(dir, fmt.Sprint(w)), Options{Workers: w})
		sameFiles(t, ref.Dir, o.Dir, ResultsCSV, ResultsParquet, ChunksFile)
	}
}

// TestDesignGrows: raising a Sobol design's points in the same directory
// reuses every chunk of the points it had (their keys are unchanged), and
// gives the bytes of a run of the larger design from scratch.
func TestDesignGrows(t *testing.T) {
	dir := t.TempDir()
	small := writeTestFile(t, dir, "small.toml", designExperiment)
	large := writeTestFile(t, dir, "large.toml", strings.Replace(designExperiment, "points = 12", "points = 24", 1))
	out := filepath.Join(dir, "out")
	runFile(t, small, out, Options{InProcess: true})
	grown := runFile(t, large, out, Options{InProcess: true})
	if grown.Reused != 2*12*6 || grown.Total != 2*24*6 {
		t.Errorf("the grown design reused %d of %d chunks, want the 144 of the 12 points it had, of 288", grown.Reused, grown.Total)
	}
	fresh := runFile(t, large, filepath.Join(dir, "fresh"), Options{InProcess: true})
	sameFiles(t, fresh.Dir, out, ResultsCSV, ChunksFile)
}
