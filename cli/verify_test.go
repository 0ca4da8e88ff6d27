package cli

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/report"
)

// TestVerify: a run verifies against itself, on a sample of chunks or all
// of them; one chunk changed by one ulp in chunks.bin is found and named;
// results of another kernel version are refused with the reason.
func TestVerify(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	e, err := testEngine.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	total, _ := e.NumChunks()

	stdout, stderr, code := simrun(t, "verify", "--chunks", "7", out)
	if want := "verified 7 of the " + strconv.FormatInt(total, 10) + " chunks of " + out + ": identical to the bit"; code != 0 || !strings.HasPrefix(stdout, want) {
		t.Errorf("verify --chunks 7: exit %d, stdout %q, stderr %q; want exit 0 and %q", code, stdout, stderr, want)
	}
	stdout, _, code = simrun(t, "verify", "--all", out)
	if want := "verified all " + strconv.FormatInt(total, 10) + " chunks"; code != 0 || !strings.HasPrefix(stdout, want) {
		t.Errorf("verify --all: exit %d, stdout %q; want exit 0 and %q", code, stdout, want)
	}

	// One ulp of one chunk's mean, written back as a valid chunks.bin.
	path := filepath.Join(out, engine.ChunksFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tab, err := report.ReadChunks(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	acc := &tab.Chunk(tab.Index(0, 5))[0] // r2 of point 0, chunk 5
	acc.Mean = math.Nextafter(acc.Mean, math.Inf(1))
	var changed bytes.Buffer
	if err := report.WriteChunks(&changed, tab); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, changed.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = simrun(t, "verify", "--all", out)
	if code != 1 || !strings.Contains(stdout, "1 chunk of all") || !strings.Contains(stdout, "point 0 (d=1,steps=20), chunk 5: r2:") ||
		!strings.Contains(stdout, "rerun: simrun chunk") || !strings.Contains(stderr, "does not reproduce") {
		t.Errorf("verify of a changed chunk: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}

	// Results of another version of the kernel.
	before := editResults(t, out, func(r *report.Results) { r.Provenance.KernelVersion = e.Kernel.Version + 1 })
	_, stderr, code = simrun(t, "verify", out)
	if code != 1 || !strings.Contains(stderr, "was made by version") || !strings.Contains(stderr, "--force") {
		t.Errorf("verify of another kernel version: exit %d, stderr %q; want exit 1 with the reason", code, stderr)
	}

	// An experiment.toml edited after the run.
	if err := os.WriteFile(filepath.Join(out, engine.ResultsJSON), before, 0o644); err != nil {
		t.Fatal(err)
	}
	tpath := filepath.Join(out, engine.ExperimentFile)
	src, err := os.ReadFile(tpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tpath, append(src, "# edited\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = simrun(t, "verify", out)
	if code != 1 || !strings.Contains(stderr, "changed after the run") {
		t.Errorf("verify after editing experiment.toml: exit %d, stderr %q; want exit 1 saying it changed", code, stderr)
	}
}

// TestVerifyKernelPanic: a kernel that panics when verify reruns it is an
// error naming the chunk, not a crash of simrun.
func TestVerifyKernelPanic(t *testing.T) {
	dir := t.TempDir()
	file := faultyFile(t, dir, "")
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--inprocess", "--out", out, file); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	faultyPanics.Store(true)
	defer faultyPanics.Store(false)
	_, stderr, code := simrun(t, "verify", out)
	if code != 1 || !strings.Contains(stderr, "point 0, chunk 0: the kernel panicked: faulty: panicking") {
		t.Errorf("verify of a panicking kernel: exit %d, stderr %q", code, stderr)
	}
}
