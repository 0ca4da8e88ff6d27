package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/report"
)

// TestCompare: two seeds of one experiment agree within chance; a mean
// moved by ten standard errors is found and named, with exit 1; the same
// run compared with itself is identical.
func TestCompare(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for out, src := range map[string]string{a: walkExperiment, b: strings.Replace(walkExperiment, "seed = 42", "seed = 43", 1)} {
		file := writeFile(t, dir, filepath.Base(out)+".toml", src)
		if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
			t.Fatalf("run: exit %d: %s", code, stderr)
		}
	}
	stdout, stderr, code := simrun(t, "compare", a, b)
	if code != 0 || !strings.Contains(stdout, "seed 42") || !strings.Contains(stdout, "seed 43") || !strings.Contains(stdout, "agree within chance") {
		t.Errorf("compare of two seeds: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	stdout, _, code = simrun(t, "compare", a, filepath.Join(a, resultsJSON))
	if code != 0 || !strings.Contains(stdout, "should be identical") || !strings.Contains(stdout, "z = +0.00") {
		t.Errorf("compare of a run with itself: exit %d\nstdout:\n%s", code, stdout)
	}

	// Move one mean of b by ten of its standard errors.
	path := filepath.Join(b, resultsJSON)
	j, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := report.ReadJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	s := &res.Points[1].Stats[0]
	s.Mean += 10 * s.StdErr * 1.5 // at least 10 standard errors of the difference, whatever a's error
	var moved bytes.Buffer
	if err := report.WriteJSON(&moved, res); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, moved.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, code = simrun(t, "compare", a, b)
	first := strings.SplitN(stdout[strings.Index(stdout, "largest"):], "\n", 3)[1]
	if code != 1 || !strings.Contains(first, res.Points[1].Params.Key()) || !strings.Contains(first, s.Observable) || !strings.Contains(stderr, "differ beyond chance") {
		t.Errorf("compare with a moved mean: exit %d, largest difference %q\nstdout:\n%s\nstderr:\n%s", code, first, stdout, stderr)
	}

	if _, stderr, code := simrun(t, "compare", a, filepath.Join(dir, "nothing")); code != 2 || !strings.Contains(stderr, "give a results directory") {
		t.Errorf("compare with a missing run: exit %d, stderr %q; want exit 2", code, stderr)
	}
}
