package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
)

func faultyFile(t *testing.T, dir, extra string) string {
	t.Helper()
	return writeFile(t, dir, "faulty.toml", `name = "faulty"
kernel = "faulty"
seed = 77
[sweep]
x = [1, 2, 3]
[samples]
samples = 400
chunk_size = 100
`+extra)
}

// readResults decodes results.json loosely, for assertions.
func readResults(t *testing.T, dir string) (partial bool, failures []map[string]any, points int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Partial  bool             `json:"partial"`
		Failures []map[string]any `json:"failures"`
		Points   []any            `json:"points"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r.Partial, r.Failures, len(r.Points)
}

// TestKernelPanic: a kernel that panics at one point is reported with the
// point's parameters, the chunk, the seed and the stack, and the printed
// command reruns exactly that chunk, panicking the same way.
func TestKernelPanic(t *testing.T) {
	dir := t.TempDir()
	file := faultyFile(t, dir, "[params]\npanic_at = 2\n")
	out := filepath.Join(dir, "out")
	_, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--out", out, file)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, want := range []string{"point 1 (", "x=2", "chunk ", "seed 77", "kernel panicked: boom at x=2", "goroutine", "simrun chunk " + file + " 1 "} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	partial, failures, _ := readResults(t, out)
	if !partial || len(failures) == 0 || failures[0]["point"] != float64(1) {
		t.Errorf("results.json: partial %v, failures %v; want partial with point 1 failed", partial, failures)
	}
	// The rerun command: in-process, no recover, the same panic.
	cmd := failures[0]["rerun"].(string)
	args := strings.Fields(cmd)[1:]
	func() {
		defer func() {
			r := recover()
			if r == nil || !strings.Contains(r.(string), "boom at x=2") {
				t.Errorf("%s: recovered %v, want the kernel's panic", cmd, r)
			}
		}()
		simrun(t, args...)
	}()
}

// TestOnErrorContinue: with on_error = "continue" the other points finish,
// the failed one is listed, and the exit code is still non-zero.
func TestOnErrorContinue(t *testing.T) {
	dir := t.TempDir()
	file := faultyFile(t, dir, "[params]\npanic_at = 2\n[run]\non_error = \"continue\"\n")
	out := filepath.Join(dir, "out")
	stdout, stderr, code := simrun(t, "run", "--workers", "2", "--out", out, file)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	partial, failures, points := readResults(t, out)
	if !partial || points != 2 || len(failures) != 4 {
		t.Errorf("partial %v, %d points, %d failures; want partial, points x=1 and x=3, the 4 chunks of x=2 failed", partial, points, len(failures))
	}
	if !strings.Contains(stdout, "4 failed chunks") || !strings.Contains(stdout, "rerun: simrun chunk") {
		t.Errorf("summary lacks the failures:\n%s", stdout)
	}
}

// TestOnErrorContinueAdaptive: under on_error = "continue" an adaptive
// run samples the other points to their targets, over later waves, and
// runs no further round of the failed one.
func TestOnErrorContinueAdaptive(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "faulty.toml", `kernel = "faulty"
seed = 77
[params]
panic_at = 2
[sweep]
x = [1, 2, 3]
[samples]
samples = 40000
chunk_size = 100
[samples.target]
u = { abs = 0.005 }
[run]
on_error = "continue"
`)
	out := filepath.Join(dir, "out")
	stdout, stderr, code := simrun(t, "run", "--workers", "2", "--out", out, file)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	partial, failures, points := readResults(t, out)
	// x = 2 fails its first round of 10 chunks, and no more are run.
	if !partial || points != 2 || len(failures) != 10 {
		t.Errorf("partial %v, %d points, %d failures; want partial, x=1 and x=3, the 10 chunks of x=2's first round failed", partial, points, len(failures))
	}
	if !strings.Contains(stdout, "adaptive: 2 of 2 points reached their targets") || !strings.Contains(stdout, "10 failed chunks") {
		t.Errorf("summary lacks the targets or the failures:\n%s", stdout)
	}
}

// TestTimeout: a chunk that hangs is killed at the time limit, retried,
// then reported; the other points complete.
func TestTimeout(t *testing.T) {
	dir := t.TempDir()
	file := faultyFile(t, dir, "[params]\nhang_at = 3\n")
	out := filepath.Join(dir, "out")
	_, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--timeout", "300ms", "--retries", "1", "--on-error", "continue", "--out", out, file)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	partial, failures, points := readResults(t, out)
	if !partial || points != 2 || len(failures) == 0 {
		t.Fatalf("partial %v, %d points, %d failures; want the two other points and failures at x=3", partial, points, len(failures))
	}
	if msg := failures[0]["error"].(string); !strings.Contains(msg, "time limit") {
		t.Errorf("failure %q does not mention the time limit", msg)
	}
}

// TestWorkerExitRetried: a chunk that kills its worker every time is
// retried on new workers, then reported, and the pool keeps serving.
func TestWorkerExitRetried(t *testing.T) {
	dir := t.TempDir()
	file := faultyFile(t, dir, "[params]\nexit_at = 1\n")
	out := filepath.Join(dir, "out")
	_, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--retries", "2", "--on-error", "continue", "--out", out, file)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	_, failures, points := readResults(t, out)
	if points != 2 || len(failures) != 4 {
		t.Errorf("%d points, %d failures; want 2 points and the 4 chunks of x=1 failed", points, len(failures))
	}
}

// TestResumeRefusesOtherExperiment: a journal of another experiment (here,
// another seed) in the output directory is refused with the reason and the
// way out; --force starts over.
func TestResumeRefusesOtherExperiment(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.toml", walkExperiment)
	b := writeFile(t, dir, "b.toml", strings.Replace(walkExperiment, "seed = 42", "seed = 43", 1))
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, a); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, stderr, code := simrun(t, "run", "--quiet", "--out", out, b)
	if code != 2 || !strings.Contains(stderr, "seed 42") || !strings.Contains(stderr, "--force") {
		t.Errorf("run of another experiment into the same directory: exit %d, stderr %q; want exit 2 naming the seed and --force", code, stderr)
	}
	if _, stderr, code := simrun(t, "run", "--quiet", "--force", "--out", out, b); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
	res, err := engine.ReadResults(out)
	if err != nil {
		t.Fatal(err)
	}
	if runs := res.Provenance.Runs; len(runs) != 1 || runs[0].Computed != 39 || runs[0].Reused != 0 || res.Provenance.Seed != 43 {
		t.Errorf("after --force: seed %d, runs %+v; want seed 43 and one run that computed all 39 chunks", res.Provenance.Seed, runs)
	}
}

// TestShardKernelFailure: a shard whose chunk fails in the kernel keeps
// the failure beside its journal; merge then exits 1 (not 2: running the
// shard again would repeat it), naming the failure and its rerun
// command, status says so, and nothing is written.
func TestShardKernelFailure(t *testing.T) {
	dir := t.TempDir()
	file := faultyFile(t, dir, "[params]\npanic_at = 2\n")
	out := filepath.Join(dir, "out")
	for _, i := range []string{"0", "1"} {
		_, stderr, code := simrun(t, "run", "--quiet", "--inprocess", "--shard", i+"/2", "--out", out, file)
		if code != 1 || !strings.Contains(stderr, "boom at x=2") {
			t.Fatalf("run --shard %s/2: exit %d, want 1 and the panic; stderr:\n%s", i, code, stderr)
		}
		if _, err := os.Stat(filepath.Join(out, "shards", i+"-of-2", "failures.json")); err != nil {
			t.Errorf("shard %s/2 kept no record of its failure: %v", i, err)
		}
	}
	_, stderr, code := simrun(t, "merge", out)
	for _, want := range []string{"shard 0/2 lacks", "failed in the kernel", "boom at x=2", "simrun chunk ", "fix the kernel"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("merge stderr lacks %q:\n%s", want, stderr)
		}
	}
	if code != 1 {
		t.Errorf("merge after a kernel failure: exit %d, want 1", code)
	}
	stdout, _, _ := simrun(t, "status", out)
	if !strings.Contains(stdout, "failed: a chunk failed in the kernel") {
		t.Errorf("status does not show the failed shards:\n%s", stdout)
	}
	for _, name := range []string{"results.csv", "chunks.bin", "results.json"} {
		if _, err := os.Stat(filepath.Join(out, name)); err == nil {
			t.Errorf("a failed merge wrote %s", name)
		}
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if n := e.Name(); n != "shards" && n != ".simrun.lock" {
			t.Errorf("a failed merge left %s in %s", n, out)
		}
	}
}

// TestOnErrorContinueLargeSweep: a point that fails in the middle of a
// sweep of more chunks than the run gathers before it writes them (4 MB,
// so that the points before it are reduced while the run goes on, those
// after it once the run is over) leaves the tables that simrun report
// rebuilds from the chunks.
func TestOnErrorContinueLargeSweep(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "faulty.toml", `name = "faulty"
kernel = "faulty"
seed = 77
[params]
panic_at = 30000
[sweep]
x = { from = 1, to = 60000, step = 1 }
[samples]
samples = 2
chunk_size = 1
[run]
on_error = "continue"
`)
	out := filepath.Join(dir, "out")
	if _, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--out", out, file); code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	partial, failures, points := readResults(t, out)
	if !partial || points != 0 || len(failures) != 2 {
		t.Errorf("partial %v, %d points listed, %d failures; want partial, none listed (a large sweep), the 2 chunks of x=30000 failed", partial, points, len(failures))
	}
	before := snapshot(t, out)
	if _, stderr, code := simrun(t, "report", out); code != 0 {
		t.Fatalf("report: exit %d: %s", code, stderr)
	}
	if after := snapshot(t, out); after != before {
		t.Errorf("report rebuilt other tables than the run wrote:\n%s\nwant:\n%s", after, before)
	}
}
