package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestShardAssignment: every chunk belongs to exactly one shard, and the
// shards differ in size by at most one chunk, for many (chunks, N).
func TestShardAssignment(t *testing.T) {
	for total := int64(1); total <= 60; total += 7 {
		for n := 1; n <= int(total) && n <= 13; n++ {
			sizes := make([]int64, n)
			for g := range total {
				owners := 0
				for i := range n {
					if (shard{i, n}).owns(g) {
						owners++
						sizes[i]++
					}
				}
				if owners != 1 {
					t.Fatalf("%d chunks, %d shards: chunk %d has %d owners", total, n, g, owners)
				}
			}
			lo, hi := sizes[0], sizes[0]
			for _, s := range sizes {
				lo, hi = min(lo, s), max(hi, s)
			}
			if hi-lo > 1 {
				t.Fatalf("%d chunks, %d shards: sizes %v differ by more than one", total, n, sizes)
			}
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want shard
		ok   bool
	}{
		{"0/4", shard{0, 4}, true},
		{"3/4", shard{3, 4}, true},
		{"4/4", shard{}, false},
		{"-1/4", shard{}, false},
		{"1/0", shard{}, false},
		{"1", shard{}, false},
		{"a/b", shard{}, false},
	} {
		got, err := parseShard(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseShard(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestSlurmShard(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name string
		env  map[string]string
		want shard
		ok   bool
		err  bool
	}{
		{"not slurm", map[string]string{}, shard{}, false, false},
		{"first task", map[string]string{"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"}, shard{0, 4}, true, false},
		{"offset array", map[string]string{"SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "10"}, shard{2, 4}, true, false},
		{"id out of range", map[string]string{"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "4"}, shard{}, false, true},
		{"no count", map[string]string{"SLURM_ARRAY_TASK_ID": "1"}, shard{}, false, true},
		{"sparse array", map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3"}, shard{}, false, true},
		{"consecutive with max", map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3"}, shard{3, 4}, true, false},
	} {
		got, ok, err := slurmShard(env(tc.env))
		if got != tc.want || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("%s: slurmShard = %v, %v, %v; want %v, %v, error %v", tc.name, got, ok, err, tc.want, tc.ok, tc.err)
		}
	}
}

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
