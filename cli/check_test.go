package cli

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
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

// TestCheckNothingChecked: a run interrupted before any point finished,
// or whose means have no standard error, checks nothing, and nothing
// checked does not pass: exit 1, saying why and how many points are
// unfinished. A run with some points finished checks those and says how
// many are not.
func TestCheckNothingChecked(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	before := editResults(t, out, func(r *report.Results) { r.Points, r.Partial = nil, true })
	stdout, stderr, code := simrun(t, "check", out)
	if code != 1 || strings.Contains(stdout, "agrees") || !strings.Contains(stderr, "nothing checked") || !strings.Contains(stdout+stderr, "3 of 3 points unfinished") {
		t.Errorf("check of a run with no finished point: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	writeFile(t, out, engine.ResultsJSON, string(before))
	editResults(t, out, func(r *report.Results) { r.Points, r.Partial = r.Points[:1], true })
	stdout, stderr, code = simrun(t, "check", out)
	if code != 0 || !strings.Contains(stdout, "1 mean against exact values") || !strings.Contains(stdout, "2 of 3 points unfinished") {
		t.Errorf("check of a run with 1 of 3 points finished: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	writeFile(t, out, engine.ResultsJSON, string(before))
	editResults(t, out, func(r *report.Results) {
		for i := range r.Points {
			for j := range r.Points[i].Stats {
				r.Points[i].Stats[j].StdErr = math.NaN()
			}
		}
	})
	stdout, stderr, code = simrun(t, "check", out)
	if code != 1 || strings.Contains(stdout, "agrees") || !strings.Contains(stderr, "nothing checked") || !strings.Contains(stderr, "standard error") {
		t.Errorf("check of means without standard errors: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// TestCheckFewChunks: a mean whose standard error has 9 degrees of freedom
// (10 chunks of batch means) is judged on Student's t: 6 standard errors
// from the exact value is P(|T₉| ≥ 6) = 2.0e-04 (mpmath betainc), within
// chance at --z 5 (the normal's 5.7e-07); 20 standard errors, P = 9.1e-09,
// is not.
func TestCheckFewChunks(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	before := editResults(t, out, func(*report.Results) {})
	for _, k := range []float64{6, 20} {
		writeFile(t, out, engine.ResultsJSON, string(before))
		editResults(t, out, func(r *report.Results) {
			for i := range r.Points {
				for j := range r.Points[i].Stats {
					s := &r.Points[i].Stats[j]
					s.DF = 9
					if i == 2 && s.Observable == "r2" {
						s.Mean = 20 + k*s.StdErr // the exact mean is steps = 20
					}
				}
			}
		})
		stdout, stderr, code := simrun(t, "check", out)
		first := firstListed(stdout)
		if !strings.Contains(first, fmt.Sprintf("z = %+.2f", k)) || !strings.Contains(first, "(9 df)") || !strings.Contains(stdout, "Student's t on 9 degrees of freedom") {
			t.Errorf("k = %g: largest deviation %q\nstdout:\n%s", k, first, stdout)
		}
		if wantCode := map[float64]int{6: 0, 20: 1}[k]; code != wantCode {
			t.Errorf("k = %g: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", k, code, wantCode, stdout, stderr)
		}
	}
}
