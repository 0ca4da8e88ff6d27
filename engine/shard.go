package engine

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Shards split one experiment's chunks over N independent runs, such as
// the tasks of a Slurm job array. Chunk g (its global index, see
// sim.ChunkLayout) belongs to shard g mod N: every point's chunks are
// spread over all shards, so an expensive point does not sit on one task,
// and the shards differ in size by at most one chunk. Shard I of N keeps
// its journal in OUTDIR/shards/I-of-N; Merge reduces all of them into the
// same bytes an unsharded run writes.

// A Shard names one shard: Index of Count, 0-based.
type Shard struct{ Index, Count int }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// owns reports whether global chunk g belongs to the shard; a nil shard
// owns every chunk.
func (s *Shard) owns(g int64) bool { return s == nil || g%int64(s.Count) == int64(s.Index) }

// size returns how many of total chunks the shard owns.
func (s Shard) size(total int64) int64 {
	n := total / int64(s.Count)
	if int64(s.Index) < total%int64(s.Count) {
		n++
	}
	return n
}

// ParseShard parses "I/N".
func ParseShard(v string) (Shard, error) {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("shard %q: want I/N with 0 ≤ I < N, such as 0/4", v)
	}
	return Shard{i, n}, nil
}

// SlurmShard returns the shard of a Slurm array task from its environment
// (as AutoShard does, for Slurm only):
// task ID minus the array's smallest ID, of the array's task count. That
// holds only for an array of consecutive IDs: a sparse one (--array=1,3,
// as a resubmission of some shards is) cannot say how many shards there
// are, and is refused; simrun submit passes --shard I/N explicitly. ok is
// false outside an array task.
func SlurmShard(getenv func(string) string) (s Shard, ok bool, err error) {
	id := getenv("SLURM_ARRAY_TASK_ID")
	if id == "" {
		return Shard{}, false, nil
	}
	i, err1 := strconv.Atoi(id)
	n, err2 := strconv.Atoi(getenv("SLURM_ARRAY_TASK_COUNT"))
	lo := 0
	var err3 error
	if m := getenv("SLURM_ARRAY_TASK_MIN"); m != "" {
		lo, err3 = strconv.Atoi(m)
	}
	if m := getenv("SLURM_ARRAY_TASK_MAX"); m != "" && err3 == nil {
		if hi, err := strconv.Atoi(m); err == nil && hi-lo+1 != n {
			return Shard{}, false, inputErrorf("engine: the Slurm array is not consecutive (IDs %s to %s, %d tasks), so its task ID does not give the shard; pass --shard I/N", getenv("SLURM_ARRAY_TASK_MIN"), m, n)
		}
	}
	if err1 != nil || err2 != nil || err3 != nil || n < 1 || i-lo < 0 || i-lo >= n {
		return Shard{}, false, inputErrorf("engine: cannot take the shard from the Slurm environment (SLURM_ARRAY_TASK_ID=%q, SLURM_ARRAY_TASK_MIN=%q, SLURM_ARRAY_TASK_COUNT=%q); pass --shard I/N",
			id, getenv("SLURM_ARRAY_TASK_MIN"), getenv("SLURM_ARRAY_TASK_COUNT"))
	}
	return Shard{i - lo, n}, true, nil
}

// ShardDir is where shard s of the run into outDir keeps its journal.
func ShardDir(outDir string, s Shard) string {
	return filepath.Join(outDir, "shards", fmt.Sprintf("%d-of-%d", s.Index, s.Count))
}

// foundShards lists the shard directories under outDir/shards: their
// count N (all must agree) and which indices exist.
func foundShards(outDir string) (n int, have map[int]bool, err error) {
	dirs, _ := filepath.Glob(filepath.Join(outDir, "shards", "*-of-*"))
	have = make(map[int]bool)
	for _, d := range dirs {
		var i, c int
		if _, err := fmt.Sscanf(filepath.Base(d), "%d-of-%d", &i, &c); err != nil || i < 0 || i >= c {
			continue
		}
		if n != 0 && c != n {
			return 0, nil, inputErrorf("engine: %s holds shards of %d and of %d runs; merge one sharding at a time", filepath.Join(outDir, "shards"), n, c)
		}
		n = c
		have[i] = true
	}
	if n == 0 {
		return 0, nil, inputErrorf("engine: no shards in %s: run `simrun run --shard I/N --out %s FILE` or `simrun submit` first", filepath.Join(outDir, "shards"), outDir)
	}
	return n, have, nil
}
