package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/simrun/simrun/runner"
	"github.com/simrun/simrun/sim"
)

// Shards split one experiment's chunks over N independent runs, such as
// the tasks of a Slurm job array. Chunk g (the global index point·chunks +
// chunk) belongs to shard g mod N: every point's chunks are spread over all
// shards, so an expensive point does not sit on one task, and the shards
// differ in size by at most one chunk. Shard I of N keeps its journal in
// OUTDIR/shards/I-of-N; `simrun merge OUTDIR` reduces all of them into the
// same bytes an unsharded run writes.

// shard names one shard: Index of Count, 0-based.
type shard struct{ Index, Count int }

func (s shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// owns reports whether global chunk g belongs to the shard.
func (s shard) owns(g int64) bool { return g%int64(s.Count) == int64(s.Index) }

// parseShard parses "I/N".
func parseShard(v string) (shard, error) {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return shard{}, fmt.Errorf("--shard %q: want I/N with 0 ≤ I < N, such as 0/4", v)
	}
	return shard{i, n}, nil
}

// slurmShard returns the shard of a Slurm array task from its environment:
// task ID minus the array's smallest ID, of the array's task count. That
// holds only for an array of consecutive IDs: a sparse one (--array=1,3,
// as a resubmission of some shards is) cannot say how many shards there
// are, and is refused; simrun submit passes --shard I/N explicitly.
func slurmShard(getenv func(string) string) (shard, bool, error) {
	id := getenv("SLURM_ARRAY_TASK_ID")
	if id == "" {
		return shard{}, false, nil
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
			return shard{}, false, fmt.Errorf("simrun: the Slurm array is not consecutive (IDs %s to %s, %d tasks), so its task ID does not give the shard; pass --shard I/N", getenv("SLURM_ARRAY_TASK_MIN"), m, n)
		}
	}
	if err1 != nil || err2 != nil || err3 != nil || n < 1 || i-lo < 0 || i-lo >= n {
		return shard{}, false, fmt.Errorf("simrun: cannot take the shard from the Slurm environment (SLURM_ARRAY_TASK_ID=%q, SLURM_ARRAY_TASK_MIN=%q, SLURM_ARRAY_TASK_COUNT=%q); pass --shard I/N",
			id, getenv("SLURM_ARRAY_TASK_MIN"), getenv("SLURM_ARRAY_TASK_COUNT"))
	}
	return shard{i - lo, n}, true, nil
}

// shardDir is where shard i of n keeps its journal.
func shardDir(outDir string, i, n int) string {
	return filepath.Join(outDir, "shards", fmt.Sprintf("%d-of-%d", i, n))
}

// shardState is the progress of one shard, from its journal.
type shardState struct {
	Index, Count int
	Dir          string
	Done, Total  int64 // chunks journaled, and chunks the shard owns
	Exists       bool  // the shard has a journal
}

// shardStates reads the progress of each of the n shards of e in outDir,
// without modifying anything: it works on runs in progress.
func shardStates(outDir string, e *sim.Experiment, n int) ([]shardState, error) {
	total, _ := e.NumChunks()
	states := make([]shardState, n)
	for i := range states {
		s := shard{i, n}
		st := shardState{Index: i, Count: n, Dir: shardDir(outDir, i, n)}
		st.Total = total / int64(n)
		if int64(i) < total%int64(n) {
			st.Total++
		}
		done, exists, err := journaledChunks(st.Dir, e)
		if err != nil {
			return nil, err
		}
		st.Exists = exists
		for g := range done {
			if s.owns(g) {
				st.Done++
			}
		}
		states[i] = st
	}
	return states, nil
}

// journaledChunks returns the global indices of e's chunks held by the
// journal in dir, read-only. A missing journal is not an error.
func journaledChunks(dir string, e *sim.Experiment) (map[int64]bool, bool, error) {
	path := filepath.Join(dir, journalFile)
	_, records, _, err := runner.ReadJournal(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, fmt.Errorf("simrun: %w", err)
	}
	index := chunkIndex(e)
	done := make(map[int64]bool, len(records))
	for _, rec := range records {
		id, _, err := decodeRecord(rec, len(e.Kernel.Observables))
		if err != nil {
			return nil, true, fmt.Errorf("simrun: %s: %v", path, err)
		}
		if g, ok := index[id]; ok {
			done[g] = true
		}
	}
	return done, true, nil
}

// chunkIndex maps each chunk's identity to its global index in e.
func chunkIndex(e *sim.Experiment) map[chunkID]int64 {
	total, _ := e.NumChunks()
	m := make(map[chunkID]int64, total)
	chunks := e.Budget.Chunks
	for p := range e.NumPoints() {
		key := e.Point(p).Key
		for c := range chunks {
			m[chunkID{key, c, e.Budget.ChunkSamples(c)}] = p*chunks + c
		}
	}
	return m
}
