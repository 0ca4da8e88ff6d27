package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

// TestPlanHugeSweep: plan describes a 10^9-point sweep at once (it never
// enumerates), and run refuses it with a clear message.
func TestPlanHugeSweep(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "huge.toml", `kernel = "spin"
seed = 1
[sweep]
work = { from = 1, to = 1000000000, step = 1 }
[samples]
samples = 10
chunks = 5
`)
	stdout, stderr, code := simrun(t, "plan", file)
	if code != 0 {
		t.Fatalf("plan: exit %d: %s", code, stderr)
	}
	// 10^9 rows: too many for a CSV by default (sim.CSVRows).
	for _, want := range []string{"points", "1000000000", "work=1\n", "work=1000000000\n", "runnable", "no:", "tables             results.parquet\n"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, stdout)
		}
	}
	_, stderr, code = simrun(t, "run", "--out", filepath.Join(dir, "out"), file)
	if code != 2 || !strings.Contains(stderr, "5000000000 chunks") || !strings.Contains(stderr, "limit of 4294967296") {
		t.Errorf("run of 10^9 points of 5 chunks: exit %d, stderr %q; want exit 2 naming the count and the limit", code, stderr)
	}
}

func TestPlan(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkExperiment)
	stdout, stderr, code := simrun(t, "plan", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"kernel", "randomwalk",
		"points             3",
		"5000 in 13 chunks of 400 (last 200)",
		"chunks in all      39",
		"tables             results.csv, results.parquet\n",
		"xoshiro256++",
		"sha256",
		"d=1,steps=20",
		"d=3,steps=20",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, stdout)
		}
	}
}

// TestPlanAdaptive: the plan of an adaptive budget gives its targets and
// its counts as maxima.
func TestPlanAdaptive(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "adaptive.toml", slowAdaptive)
	stdout, stderr, code := simrun(t, "plan", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if v, _, code := simrun(t, "validate", file); code != 0 || !strings.Contains(v, ": kernel faulty, 10 points, at most 1000 chunks, to u: stderr ≤ 0.005\n") {
		t.Errorf("validate: exit %d, %q", code, v)
	}
	for _, want := range []string{
		"samples per point  at most 10000 in 100 chunks of 100\n",
		"targets            u: stderr ≤ 0.005, in rounds from 10 chunks\n",
		"chunks in all      at most 1000\n",
		"samples in all     at most 100000\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.toml", walkExperiment)
	bad := writeFile(t, dir, "bad.toml", "kernel = \"nope\"\nseed = 1\n")
	stdout, _, code := simrun(t, "validate", good)
	if code != 0 || !strings.Contains(stdout, "ok  "+good+": kernel randomwalk, 3 points, 39 chunks") {
		t.Errorf("validate good: exit %d, stdout %q", code, stdout)
	}
	stdout, stderr, code := simrun(t, "validate", good, bad)
	if code != 2 || !strings.Contains(stdout, "ok  "+good) || !strings.Contains(stderr, "bad.toml") || !strings.Contains(stderr, "nope") {
		t.Errorf("validate good bad: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestExperimentWarnings: validate, plan and run print the loader's
// warnings on stderr, one line each, and still succeed; run --quiet does
// not.
func TestExperimentWarnings(t *testing.T) {
	dir := t.TempDir()
	// steps swept with one value: each series of the plot a single point.
	file := writeFile(t, dir, "walk.toml", `name = "walk"
kernel = "randomwalk"
seed = 42
[sweep]
d = [1, 2, 3]
steps = [20]
[samples]
samples = 400
chunk_size = 200
[[plot]]
name = "msd"
x = "steps"
y = "r2"
`)
	warning := file + `:12: plot[0].x: plot "msd": x = "steps" takes a single value (sweep.steps, line 6), so each of its 3 series is a single point and no line is drawn; sweep steps over several values, or plot against another swept parameter: x = "d"` + "\n"
	for _, args := range [][]string{{"validate", file}, {"plan", file}, {"run", "--inprocess", "--out", filepath.Join(dir, "out"), file}} {
		stdout, stderr, code := simrun(t, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", args[0], code, stderr)
		}
		if want := "simrun " + args[0] + ": warning: " + warning; !strings.Contains(stderr, want) || strings.Contains(stdout, "warning") {
			t.Errorf("%s: stderr %q, want the line %q", args[0], stderr, want)
		}
	}
	if _, stderr, code := simrun(t, "run", "--quiet", "--force", "--inprocess", "--out", filepath.Join(dir, "out"), file); code != 0 || stderr != "" {
		t.Errorf("run --quiet: exit %d, stderr %q; want nothing", code, stderr)
	}
}

// TestBundledExperimentsValid keeps experiments/ loadable, without
// warnings.
func TestBundledExperimentsValid(t *testing.T) {
	files, err := filepath.Glob("../experiments/*.toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no bundled experiments found: %v", err)
	}
	stdout, stderr, code := simrun(t, append([]string{"validate"}, files...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := strings.Count(stdout, "ok  "); got != len(files) {
		t.Fatalf("%d of %d files ok:\n%s", got, len(files), stdout)
	}
	if stderr != "" {
		t.Errorf("warnings:\n%s", stderr)
	}
}

func TestKernelsCmd(t *testing.T) {
	stdout, stderr, code := simrun(t, "kernels")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"pi (version 1)\n", "randomwalk\n", "spin\n", "steps", "required", "default 1", "[1, 16]", "r2", "iid samples", "derived", "binder", "onsager_m", "m: spontaneous", "sd of pi"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("kernels output lacks %q:\n%s", want, stdout)
		}
	}
	stdout, _, code = simrun(t, "kernels", "pi")
	if code != 0 || strings.Contains(stdout, "randomwalk") {
		t.Errorf("kernels pi: exit %d, output %q", code, stdout)
	}
}

func TestRunSummary(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "pi.toml", `kernel = "pi"
seed = 5
[samples]
samples = 1_000_000
chunk_size = 100_000
`)
	stdout, stderr, code := simrun(t, "run", "--workers", "2", "--out", filepath.Join(dir, "out"), file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	// 10^6 samples: pi within a few 1.6e-3 standard errors, so "3.14" leads.
	if !strings.Contains(stdout, "3.14") || !strings.Contains(stdout, "results.csv") {
		t.Errorf("summary lacks the estimate or the file names:\n%s", stdout)
	}
}

// TestDocDesignExample loads the [design] example of
// docs/experiment-file.md with the real kernels, and checks the axis the
// text says plan shows.
func TestDocDesignExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/experiment-file.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(doc), "## `[design]`")
	_, block, _ := strings.Cut(rest, "```toml\n")
	block, _, _ = strings.Cut(block, "```")
	src := "kernel = \"ising2d\"\nseed = 1\n" + block + "[samples]\nsamples = 1000\nchunk_size = 100\n"
	e, err := sim.Parse("design.toml", []byte(src), testEngine.Kernels())
	if err != nil {
		t.Fatalf("the documented design does not load: %v", err)
	}
	axes := e.Axes()
	want := "sobol design of 256 points, scrambled: T = 1.5…3.5, burnin = 500…8000 (log), h = 0.001…0.1 (log)"
	if e.NumPoints() != 512 || len(axes) != 2 || axes[1].Desc != want || !strings.Contains(rest, want) {
		t.Errorf("%d points, axes %+v; the document says 512 points and %q", e.NumPoints(), axes, want)
	}
}

// TestDocExample loads the complete example of docs/experiment-file.md
// with the real kernels: the reference must stay a valid file, and its
// point count is the one the text gives.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/experiment-file.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, _ := strings.Cut(string(doc), "```toml\n")
	block, _, _ = strings.Cut(block, "```")
	e, err := sim.Parse("ising-demo.toml", []byte(block), testEngine.Kernels())
	if err != nil {
		t.Fatalf("the documented example does not load: %v", err)
	}
	if e.NumPoints() != 756 || e.Budget.Chunks != 10 || len(e.Plots) != 1 || len(e.Axes()) != 4 {
		t.Errorf("%d points, %d chunks, %d plots, %d axes; the document says 756, 10, 1, 4", e.NumPoints(), e.Budget.Chunks, len(e.Plots), len(e.Axes()))
	}
}
