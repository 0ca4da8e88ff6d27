package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
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
	stdout, _, code = simrun(t, "compare", a, filepath.Join(a, engine.ResultsJSON))
	if code != 0 || !strings.Contains(stdout, "should be identical") || !strings.Contains(stdout, "z = +0.00") {
		t.Errorf("compare of a run with itself: exit %d\nstdout:\n%s", code, stdout)
	}

	// Move one mean of b by ten of its standard errors.
	var key, obs string
	editResults(t, b, func(r *report.Results) {
		s := &r.Points[1].Stats[0]
		s.Mean += 10 * s.StdErr * 1.5 // at least 10 standard errors of the difference, whatever a's error
		key, obs = r.Points[1].Params.Key(), s.Observable
	})
	stdout, stderr, code = simrun(t, "compare", a, b)
	first := firstListed(stdout)
	if code != 1 || !strings.Contains(first, key) || !strings.Contains(first, obs) || !strings.Contains(stderr, "differ beyond chance") {
		t.Errorf("compare with a moved mean: exit %d, largest difference %q\nstdout:\n%s\nstderr:\n%s", code, first, stdout, stderr)
	}

	if _, stderr, code := simrun(t, "compare", a, filepath.Join(dir, "nothing")); code != 2 || !strings.Contains(stderr, "give a results directory") {
		t.Errorf("compare with a missing run: exit %d, stderr %q; want exit 2", code, stderr)
	}
}
