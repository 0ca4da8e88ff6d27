package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/report"
)

// TestCheck: a run of an exact kernel agrees with its exact values; a mean
// moved by ten standard errors is named, with exit 1; a kernel without
// exact values has nothing to check (exit 2).
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	stdout, stderr, code := simrun(t, "check", out)
	if code != 0 || !strings.Contains(stdout, "3 means against exact values") || !strings.Contains(stdout, "agrees with the exact values") {
		t.Errorf("check of a random walk: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	editResults(t, out, func(r *report.Results) {
		for i := range r.Points[2].Stats {
			if s := &r.Points[2].Stats[i]; s.Observable == "r2" {
				s.Mean += 10 * s.StdErr
			}
		}
	})
	stdout, stderr, code = simrun(t, "check", out)
	first := firstListed(stdout)
	if code != 1 || !strings.Contains(first, "d=3,steps=20  r2:") || !strings.Contains(stderr, "departs from the exact values") {
		t.Errorf("check with a moved mean: exit %d, largest deviation %q\nstdout:\n%s\nstderr:\n%s", code, first, stdout, stderr)
	}

	ising := writeFile(t, dir, "ising.toml", "kernel = \"ising2d\"\nseed = 1\n[params]\nL = 4\nT = 2\nburnin = 10\n[samples]\nsamples = 20\nchunks = 2\n")
	iout := filepath.Join(dir, "ising")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", iout, ising); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	if _, stderr, code := simrun(t, "check", iout); code != 2 || !strings.Contains(stderr, "nothing to check") {
		t.Errorf("check of ising2d: exit %d, stderr %q; want exit 2, nothing to check", code, stderr)
	}
}
