package cli

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
)

// lockExperiment has 40 chunks of about 5 ms: two runs started together
// overlap for sure.
const lockExperiment = `name = "lock"
kernel = "faulty"
seed = 5
[params]
sleep_us = 5000
[sweep]
x = [1, 2, 3, 4]
[samples]
samples = 1000
chunk_size = 100
`

// TestTwoWritersOneDirectory: two runs of different experiments started
// at the same moment on one output directory, many times, never leave a
// mixed directory: one finishes, the other exits 2 with the lock's error
// (or, had it started after the first ended, with the refusal of another
// experiment's outputs), and the directory verifies as one run.
func TestTwoWritersOneDirectory(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.toml", lockExperiment)
	b := writeFile(t, dir, "b.toml", strings.Replace(lockExperiment, "seed = 5", "seed = 6", 1))
	locked := 0
	const rounds = 12
	for round := range rounds {
		out := filepath.Join(dir, "out", string(rune('a'+round)))
		ca, outA := startSimrun(t, "run", "--quiet", "--workers", "2", "--out", out, a)
		cb, outB := startSimrun(t, "run", "--quiet", "--workers", "2", "--out", out, b)
		codeA, codeB := exitOf(ca.Wait()), exitOf(cb.Wait())
		if (codeA == 0) == (codeB == 0) {
			t.Fatalf("round %d: exits %d and %d, want one 0 and one 2:\n%s\n%s", round, codeA, codeB, outA, outB)
		}
		loser := outA.String() + outB.String()
		if codeA+codeB != 2 {
			t.Fatalf("round %d: the loser exited %d, want 2:\n%s", round, codeA+codeB, loser)
		}
		switch {
		case strings.Contains(loser, "is being written by another process"):
			locked++
		case strings.Contains(loser, "holds chunks"):
		default:
			t.Fatalf("round %d: the loser's error names neither the lock nor the other experiment:\n%s", round, loser)
		}
		// One experiment throughout: results.json describes experiment.toml,
		// and every chunk of chunks.bin reruns to the bit.
		src, err := os.ReadFile(filepath.Join(out, engine.ExperimentFile))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(src)
		res, err := engine.ReadResults(out)
		if err != nil {
			t.Fatal(err)
		}
		if res.Provenance.FileSHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("round %d: results.json is of another experiment.toml than the one in %s", round, out)
		}
		if _, stderr, code := simrun(t, "verify", "--all", out); code != 0 {
			t.Fatalf("round %d: verify --all of the directory: exit %d: %s", round, code, stderr)
		}
	}
	if locked < rounds/2 {
		t.Errorf("the lock refused the second run in only %d of %d rounds; the runs did not overlap", locked, rounds)
	}
}

func exitOf(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestRefusedRunWritesNothing: a run refused for the journal of another
// experiment in its directory (here a shard's) leaves experiment.toml as
// it was, so that report and status still describe the first
// experiment; a finished run's directory, whose journal was removed, is
// refused for its experiment.toml instead.
func TestRefusedRunWritesNothing(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.toml", walkExperiment)
	b := writeFile(t, dir, "b.toml", strings.Replace(walkExperiment, "seed = 42", "seed = 43", 1))
	out := filepath.Join(dir, "out")
	shard := filepath.Join(out, "shards", "0-of-2")
	if _, stderr, code := simrun(t, "run", "--quiet", "--shard", "0/2", "--out", out, a); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if journaled(shard) == 0 {
		t.Fatalf("shard 0/2 left no journal in %s", shard)
	}
	before := snapshot(t, shard)
	_, stderr, code := simrun(t, "run", "--quiet", "--shard", "0/2", "--out", out, b)
	if code != 2 || !strings.Contains(stderr, "seed 42") || !strings.Contains(stderr, "journal.bin holds chunks") {
		t.Fatalf("run of another seed over a journal: exit %d, stderr %q; want 2 naming the journal and the seed", code, stderr)
	}
	if after := snapshot(t, shard); after != before {
		t.Errorf("the refused run changed the directory:\nbefore %s\nafter  %s", before, after)
	}

	out = filepath.Join(dir, "finished")
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, a); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	before = snapshot(t, out)
	_, stderr, code = simrun(t, "run", "--quiet", "--out", out, b)
	if code != 2 || !strings.Contains(stderr, "outputs of another experiment") || !strings.Contains(stderr, "seed 42") || !strings.Contains(stderr, "--force") {
		t.Fatalf("run of another seed over outputs without a journal: exit %d, stderr %q", code, stderr)
	}
	if after := snapshot(t, out); after != before {
		t.Errorf("the refused run changed the directory:\nbefore %s\nafter  %s", before, after)
	}
	if _, stderr, code := simrun(t, "run", "--quiet", "--force", "--out", out, b); code != 0 {
		t.Fatalf("--force: exit %d: %s", code, stderr)
	}
}

// snapshot describes every file of dir by name and SHA-256, in order.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b bytes.Buffer
	names, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			continue // a directory
		}
		sum := sha256.Sum256(data)
		b.WriteString(filepath.Base(name) + ":" + hex.EncodeToString(sum[:8]) + " ")
	}
	return b.String()
}

// TestStaleTempFilesRemoved: the temporary files of a writer killed
// during its output phase are removed by the next run.
func TestStaleTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.toml", walkExperiment)
	out := filepath.Join(dir, "out")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	stale := []string{".chunks.bin.tmp-123", ".results.csv.tmp-456"}
	for _, name := range stale {
		writeFile(t, out, name, "half")
	}
	if _, stderr, code := simrun(t, "run", "--quiet", "--out", out, a); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, name := range stale {
		if _, err := os.Stat(filepath.Join(out, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there after the run: %v", name, err)
		}
	}
}
