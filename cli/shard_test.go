package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/engine"
)

// TestShardsMergeIdentical runs an experiment as 4 shards, merges them,
// and compares with an unsharded run byte for byte; status and merge name
// what is missing on the way.
func TestShardsMergeIdentical(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkFigureExperiment)
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	out := filepath.Join(dir, "sharded")
	for _, i := range []string{"0", "2", "3"} {
		if _, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--shard", i+"/4", "--out", out, file); code != 0 {
			t.Fatalf("shard %s/4: exit %d: %s", i, code, stderr)
		}
	}
	stdout, stderr, code := simrun(t, "status", out)
	if code != 0 || !strings.Contains(stdout, "0/4    12/12   complete") || !strings.Contains(stdout, "1/4    0/12    not started") || !strings.Contains(stdout, "3 of 4 shards complete") {
		t.Errorf("status with shard 1 missing: exit %d:\n%s%s", code, stdout, stderr)
	}
	_, stderr, code = simrun(t, "merge", out)
	if code != 2 || !strings.Contains(stderr, "shard 1/4 has not run") {
		t.Errorf("merge with shard 1 missing: exit %d, stderr %q; want exit 2 naming shard 1", code, stderr)
	}
	if _, stderr, code := simrun(t, "run", "--quiet", "--inprocess", "--shard", "1/4", "--out", out, file); code != 0 {
		t.Fatalf("shard 1/4: exit %d: %s", code, stderr)
	}
	if _, stderr, code := simrun(t, "merge", "--quiet", out); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	sameResults(t, out, csv, stats)
	// The merge streams the chunks from disk; the histogram figure, which
	// plots every chunk, and chunks.bin are the bytes of the clean run's.
	for _, name := range []string{"chunks.bin", "results.parquet", "hist.svg", "msd.png"} {
		want, err := os.ReadFile(filepath.Join(dir, "clean", name))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(out, name)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("merged %s differs from the clean run's (%v)", name, err)
		}
	}
}

// TestMergeRefusesMixedExperiments: shards of two different files are not
// merged.
func TestMergeRefusesMixedExperiments(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.toml", walkFigureExperiment)
	b := writeFile(t, dir, "b.toml", strings.Replace(walkFigureExperiment, "seed = 9", "seed = 10", 1))
	out := filepath.Join(dir, "out")
	simrun(t, "run", "--quiet", "--shard", "0/2", "--out", out, a)
	simrun(t, "run", "--quiet", "--shard", "1/2", "--out", out, b)
	_, stderr, code := simrun(t, "merge", out)
	if code != 2 || !strings.Contains(stderr, "different experiments") {
		t.Errorf("merge of mixed shards: exit %d, stderr %q", code, stderr)
	}
}

// TestArrayTaskRunsWholeExperiment: a plain run inside an array job (a
// researcher's own array script, one experiment per task) runs the whole
// experiment and writes results.csv, the bytes of a run anywhere else;
// only --shard auto takes the shard from the array task.
func TestArrayTaskRunsWholeExperiment(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "walk.toml", walkFigureExperiment)
	csv, stats := cleanRun(t, file, filepath.Join(dir, "clean"))
	t.Setenv("SLURM_ARRAY_TASK_ID", "1")
	t.Setenv("SLURM_ARRAY_TASK_MIN", "0")
	t.Setenv("SLURM_ARRAY_TASK_MAX", "2")
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "3")
	out := filepath.Join(dir, "task")
	if _, stderr, code := simrun(t, "run", "--quiet", "--workers", "2", "--out", out, file); code != 0 {
		t.Fatalf("run in an array task: exit %d: %s", code, stderr)
	}
	sameResults(t, out, csv, stats)
	if _, err := os.Stat(filepath.Join(out, "shards")); !os.IsNotExist(err) {
		t.Errorf("a plain run in an array task made shards (%v)", err)
	}

	auto := filepath.Join(dir, "auto")
	stdout, stderr, code := simrun(t, "run", "--workers", "2", "--shard", "auto", "--out", auto, file)
	if code != 0 || !strings.Contains(stdout, "shard 1/3:") {
		t.Fatalf("--shard auto: exit %d:\n%s%s", code, stdout, stderr)
	}
	if _, err := os.Stat(engine.ShardDir(auto, engine.Shard{Index: 1, Count: 3})); err != nil {
		t.Errorf("--shard auto ran no shard 1/3: %v", err)
	}

	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	if _, stderr, code := simrun(t, "run", "--quiet", "--shard", "auto", "--out", auto, file); code != 2 || !strings.Contains(stderr, "this is no array task") {
		t.Errorf("--shard auto outside an array: exit %d: %s", code, stderr)
	}
}
