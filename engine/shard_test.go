package engine

import (
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
					if (&Shard{i, n}).owns(g) {
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
		want Shard
		ok   bool
	}{
		{"0/4", Shard{0, 4}, true},
		{"3/4", Shard{3, 4}, true},
		{"4/4", Shard{}, false},
		{"-1/4", Shard{}, false},
		{"1/0", Shard{}, false},
		{"1", Shard{}, false},
		{"a/b", Shard{}, false},
	} {
		got, err := ParseShard(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestSlurmShard(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Shard
		ok   bool
		err  bool
	}{
		{"not slurm", map[string]string{}, Shard{}, false, false},
		{"first task", map[string]string{"SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"}, Shard{0, 4}, true, false},
		{"offset array", map[string]string{"SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "10"}, Shard{2, 4}, true, false},
		{"id out of range", map[string]string{"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard{}, false, true},
		{"no count", map[string]string{"SLURM_ARRAY_TASK_ID": "1"}, Shard{}, false, true},
		{"sparse array", map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "3"}, Shard{}, false, true},
		{"consecutive with max", map[string]string{"SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "3"}, Shard{3, 4}, true, false},
	} {
		got, ok, err := SlurmShard(env(tc.env))
		if got != tc.want || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("%s: SlurmShard = %v, %v, %v; want %v, %v, error %v", tc.name, got, ok, err, tc.want, tc.ok, tc.err)
		}
	}
}

func TestAutoShard(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec string
		env  map[string]string
		want Shard
		err  string // in the error; "" for none
	}{
		{"slurm", "auto", map[string]string{"SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "10"}, Shard{2, 4}, ""},
		{"slurm with its count", "auto/4", map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard{1, 4}, ""},
		{"slurm with another count", "auto/5", map[string]string{"SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "4"}, Shard{}, "the Slurm array has 4 tasks, not 5"},
		{"grid engine", "auto", map[string]string{"SGE_TASK_ID": "5", "SGE_TASK_FIRST": "1", "SGE_TASK_LAST": "9", "SGE_TASK_STEPSIZE": "2"}, Shard{2, 5}, ""},
		{"grid engine outside an array", "auto", map[string]string{"SGE_TASK_ID": "undefined"}, Shard{}, "this is no array task"},
		{"grid engine off step", "auto", map[string]string{"SGE_TASK_ID": "4", "SGE_TASK_FIRST": "1", "SGE_TASK_LAST": "9", "SGE_TASK_STEPSIZE": "2"}, Shard{}, "Grid Engine environment"},
		{"lsf", "auto", map[string]string{"LSB_JOBINDEX": "3", "LSB_JOBINDEX_END": "8"}, Shard{2, 8}, ""},
		{"lsf with a step", "auto", map[string]string{"LSB_JOBINDEX": "7", "LSB_JOBINDEX_END": "9", "LSB_JOBINDEX_STEP": "2"}, Shard{3, 5}, ""},
		{"lsf outside an array", "auto", map[string]string{"LSB_JOBINDEX": "0"}, Shard{}, "this is no array task"},
		{"pbs needs the count", "auto", map[string]string{"PBS_ARRAY_INDEX": "3"}, Shard{}, "give it as --shard auto/N"},
		{"pbs", "auto/10", map[string]string{"PBS_ARRAY_INDEX": "3"}, Shard{3, 10}, ""},
		{"torque", "auto/10", map[string]string{"PBS_ARRAYID": "9"}, Shard{9, 10}, ""},
		{"pbs counting from 1", "auto/10", map[string]string{"PBS_ARRAY_INDEX": "10"}, Shard{}, "counts from 0"},
		{"kubernetes", "auto/3", map[string]string{"JOB_COMPLETION_INDEX": "0"}, Shard{0, 3}, ""},
		{"no scheduler", "auto", map[string]string{}, Shard{}, "this is no array task"},
		{"bad spec", "auto/x", map[string]string{}, Shard{}, "want auto, or auto/N"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AutoShard(tc.spec, func(k string) string { return tc.env[k] })
			switch {
			case tc.err == "" && (err != nil || got != tc.want):
				t.Errorf("AutoShard(%q) = %v, %v; want %v", tc.spec, got, err, tc.want)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("AutoShard(%q) = %v, %v; want an error with %q", tc.spec, got, err, tc.err)
			}
		})
	}
}
