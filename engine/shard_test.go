package engine

import (
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
