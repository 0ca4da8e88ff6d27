package cli

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/stats"
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

// TestCompareFewChunks: when the standard errors come from 10 chunks each
// (batch means, 9 degrees of freedom), a difference is judged on Student's
// t with the Welch–Satterthwaite degrees of freedom (about 18): 6
// standard errors apart is then P(|T₁₈| ≥ 6) = 1.1e-05, not beyond chance
// at --z 5 (the normal's 5.7e-07), and chance gives |z| > 3 about
// 6·P(|T₁₈| ≥ 3) = 6·0.0077 times, not 6·0.0027. 12 standard errors
// apart, P = 5.0e-10, is beyond.
func TestCompareFewChunks(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for out, src := range map[string]string{a: walkExperiment, b: strings.Replace(walkExperiment, "seed = 42", "seed = 43", 1)} {
		file := writeFile(t, dir, filepath.Base(out)+".toml", src)
		if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
			t.Fatalf("run: exit %d: %s", code, stderr)
		}
	}
	fewChunks := func(r *report.Results) {
		for i := range r.Points {
			for j := range r.Points[i].Stats {
				r.Points[i].Stats[j].DF = 9
			}
		}
	}
	editResults(t, a, fewChunks)
	ra, err := engine.ReadResults(a)
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, k := range []float64{6, 12} {
		editResults(t, b, func(r *report.Results) {
			fewChunks(r)
			sa, sb := ra.Points[1].Stats[0], &r.Points[1].Stats[0]
			sb.Mean = sa.Mean - k*math.Sqrt(sa.StdErr*sa.StdErr+sb.StdErr*sb.StdErr)
			key = r.Points[1].Params.Key()
		})
		rb, err := engine.ReadResults(b)
		if err != nil {
			t.Fatal(err)
		}
		diffs, _, _ := report.Compare(ra, rb)
		var expected float64
		for _, d := range diffs {
			expected += stats.TailProb(3, d.DF)
		}
		stdout, stderr, code := simrun(t, "compare", a, b)
		first := firstListed(stdout)
		for _, want := range []string{
			fmt.Sprintf("z = %+.2f", k),
			"df)",
			key,
		} {
			if !strings.Contains(first, want) {
				t.Errorf("k = %g: largest difference %q lacks %q", k, first, want)
			}
		}
		for _, want := range []string{
			fmt.Sprintf("|z| > 3: 1 of 6 statistics (about %.2g expected by chance", expected),
			"at 1 of 3 points",
			"may be correlated",
		} {
			if !strings.Contains(stdout, want) {
				t.Errorf("k = %g: stdout lacks %q:\n%s", k, want, stdout)
			}
		}
		if wantCode := map[float64]int{6: 0, 12: 1}[k]; code != wantCode {
			t.Errorf("k = %g: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", k, code, wantCode, stdout, stderr)
		}
	}
}

// TestCompareNothingCompared: statistics in common without a standard
// error (one sample, or one chunk of batch means) compare nothing, and
// nothing compared does not agree: exit 1.
func TestCompareNothingCompared(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	file := writeFile(t, dir, "a.toml", walkExperiment)
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", a, file); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	editResults(t, a, func(r *report.Results) {
		for i := range r.Points {
			for j := range r.Points[i].Stats {
				r.Points[i].Stats[j].StdErr = math.NaN()
			}
		}
	})
	stdout, stderr, code := simrun(t, "compare", a, a)
	if code != 1 || strings.Contains(stdout, "agree within chance") || !strings.Contains(stderr, "nothing compared") {
		t.Errorf("compare without standard errors: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}
