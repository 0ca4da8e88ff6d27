package cli

import (
	"bytes"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/figure"
)

const walkFigureExperiment = `name = "walkfig"
kernel = "randomwalk"
seed = 9
[sweep]
d = [1, 3]
steps = [10, 20, 40]
[samples]
samples = 4000
chunk_size = 500
[[plot]]
name = "msd"
x = "steps"
y = "r2"
reference = "msd"
[[plot]]
name = "hist"
kind = "histogram"
y = "x1"
formats = ["svg"]
`

// csvRows reads results.csv into maps from column name to value.
func csvRows(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := make(map[string]string)
		for i, h := range recs[0] {
			m[h] = r[i]
		}
		rows = append(rows, m)
	}
	return rows
}

// TestFigureDataMatchesResults checks what a figure plots against the
// results.csv of the same run, read independently: every point of every
// series is a row's mean and confidence interval, one series per d.
func TestFigureDataMatchesResults(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkFigureExperiment)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--out", out, file); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range []string{"msd.png", "msd.svg", "hist.svg", "report.md", "chunks.bin", "experiment.toml"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Errorf("run did not write %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "hist.png")); err == nil {
		t.Errorf("hist.png written although formats = [\"svg\"]")
	}

	r, err := testEngine.ReadRun(out)
	if err != nil {
		t.Fatal(err)
	}
	e := r.Experiment
	chunks, err := r.ReadChunks()
	if err != nil {
		t.Fatal(err)
	}
	fig, err := figure.Build(e.Kernel, e.Swept(), e.Designed(), e.Plots[0], r.Results, chunks, e.Zipped()...)
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string][3]float64) // "d,steps" -> mean, ci_low, ci_high of r2
	for _, r := range csvRows(t, filepath.Join(out, "results.csv")) {
		if r["observable"] != "r2" {
			continue
		}
		var v [3]float64
		for i, col := range []string{"mean", "ci_low", "ci_high"} {
			if v[i], err = strconv.ParseFloat(r[col], 64); err != nil {
				t.Fatal(err)
			}
		}
		want[r["d"]+","+r["steps"]] = v
	}
	if len(fig.Series) != 2 || len(want) != 6 {
		t.Fatalf("%d series and %d rows, want 2 series (d = 1, 3) and 6 rows", len(fig.Series), len(want))
	}
	for si, d := range []string{"1", "3"} {
		s := fig.Series[si]
		if s.Label != "d = "+d {
			t.Errorf("series %d label %q, want d = %s", si, s.Label, d)
		}
		for i, x := range s.X {
			w, ok := want[d+","+strconv.FormatFloat(x, 'g', -1, 64)]
			if !ok {
				t.Fatalf("series d=%s has x = %g, not in results.csv", d, x)
			}
			if s.Y[i] != w[0] || s.Lo[i] != w[1] || s.Hi[i] != w[2] {
				t.Errorf("d=%s steps=%g: plotted %g [%g, %g], results.csv %g [%g, %g]", d, x, s.Y[i], s.Lo[i], s.Hi[i], w[0], w[1], w[2])
			}
		}
	}
	// The reference curve is the exact MSD = steps.
	for _, ref := range fig.Reference {
		for i, x := range ref.X {
			if math.Abs(ref.Y[i]-x) > 1e-12*x {
				t.Fatalf("reference at %g = %g, want %g", x, ref.Y[i], x)
			}
		}
	}
	// The histogram holds each chunk's estimate: 8 chunks per point, 6 points.
	hist, err := figure.Build(e.Kernel, e.Swept(), e.Designed(), e.Plots[1], r.Results, chunks, e.Zipped()...)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, h := range hist.Hist {
		n += len(h.Values)
	}
	if n != 6*8 {
		t.Errorf("histograms hold %d chunk estimates, want 48", n)
	}
}

// TestReportReproducesRun: `simrun report DIR` rebuilds the tables, the
// SVG figures and report.md of a finished run byte for byte.
func TestReportReproducesRun(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkFigureExperiment)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, file); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	names := []string{"results.csv", "results.json", "msd.svg", "hist.svg", "report.md"}
	before := make(map[string][]byte)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(out, n))
		if err != nil {
			t.Fatal(err)
		}
		before[n] = b
		if n == "results.json" {
			continue // report's input, with chunks.bin and experiment.toml; rewritten in place
		}
		if err := os.Remove(filepath.Join(out, n)); err != nil {
			t.Fatal(err)
		}
	}
	stdout, stderr, code := simrun(t, "report", out)
	if code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if !bytes.Contains([]byte(stdout), []byte("r2")) {
		t.Errorf("report printed no summary:\n%s", stdout)
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(out, n))
		if err != nil {
			t.Fatalf("report did not rewrite %s: %v", n, err)
		}
		if !bytes.Equal(b, before[n]) {
			t.Errorf("%s differs after simrun report", n)
		}
	}
}

func TestReportErrors(t *testing.T) {
	// report, status and verify of a directory that holds no run say so, with
	// what to give instead.
	dir := t.TempDir()
	for _, cmd := range []string{"report", "status", "verify"} {
		_, stderr, code := simrun(t, cmd, dir)
		if code != 2 || !strings.Contains(stderr, "holds no run (no experiment.toml)") || !strings.Contains(stderr, "output directory") {
			t.Errorf("%s of an empty directory: exit %d, stderr %q; want exit 2 saying it holds no run", cmd, code, stderr)
		}
	}
}
