package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/simrun/simrun/sim"
)

// A Status is how far a run has come, from its journals.
type Status struct {
	Experiment  *sim.Experiment
	Dir         string
	Done, Total int64 // chunks journaled, of all the experiment's
	// Shards is, for a sharded run, each shard's progress, in shard order;
	// nil for an unsharded one.
	Shards []ShardStatus
	// Merged reports that the output directory holds results
	// (results.json): a finished run, or merged shards.
	Merged bool
	// In is the file that holds the chunks counted in Done: the journal of
	// a run in progress, chunks.bin of a finished one (whose journal it
	// removed).
	In string
}

// A ShardStatus is the progress of one shard, from its journal.
type ShardStatus struct {
	Shard
	Dir         string
	Done, Total int64 // chunks journaled, and chunks the shard owns
	Exists      bool  // the shard has a journal
}

// Complete reports whether every chunk of the shard is journaled.
func (s ShardStatus) Complete() bool { return s.Exists && s.Done == s.Total }

// Status reports the progress of the run (sharded or not, finished or in
// progress) in outDir, reading its journals without changing anything.
func (en *Engine) Status(outDir string) (*Status, error) {
	st := &Status{Dir: outDir}
	if _, err := os.Stat(filepath.Join(outDir, ResultsJSON)); err == nil {
		st.Merged = true
	}
	if _, err := os.Stat(filepath.Join(outDir, "shards")); err != nil {
		e, err := en.ReadExperiment(outDir)
		if err != nil {
			return nil, err
		}
		st.Experiment, st.In = e, filepath.Join(outDir, JournalFile)
		st.Total, _ = e.NumChunks()
		if _, err := os.Lstat(st.In); errors.Is(err, os.ErrNotExist) {
			// A finished run: results.json says how far it came, in time
			// that does not grow with the sweep.
			st.In = filepath.Join(outDir, ChunksFile)
			if res, err := ReadResults(filepath.Join(outDir, ResultsJSON)); err == nil && !res.Partial && len(res.Failures) == 0 && res.Provenance.FileSHA256 == e.SHA256 {
				st.Total = finishedChunks(e, res)
				st.Done = st.Total
			}
			return st, nil
		}
		n, _, err := en.journaledChunks(outDir, newChunkIndex(e), nil)
		if err != nil {
			return nil, err
		}
		st.Done = n
		return st, nil
	}
	e, n, _, err := en.shards(outDir)
	if err != nil {
		return nil, err
	}
	if st.Shards, err = en.shardStatuses(outDir, newChunkIndex(e), n); err != nil {
		return nil, err
	}
	st.Experiment = e
	for _, s := range st.Shards {
		st.Done += s.Done
		st.Total += s.Total
	}
	return st, nil
}

// ShardStatuses reads the progress of each of the n shards of e in
// outDir, without changing anything: it works on runs in progress. A
// shard that has not started is not an error. If outDir holds shards of
// another count than n, the error is an *InputError saying which.
func (en *Engine) ShardStatuses(outDir string, e *sim.Experiment, n int) ([]ShardStatus, error) {
	if _, err := os.Stat(filepath.Join(outDir, "shards")); err == nil {
		if found, _, err := foundShards(outDir); err == nil && found != n {
			return nil, &InputError{&ShardCountError{Dir: filepath.Join(outDir, "shards"), Found: found, Want: n}}
		}
	}
	return en.shardStatuses(outDir, newChunkIndex(e), n)
}

// shardStatuses reads the progress of each of the n shards of x's
// experiment in outDir. Its work for each shard is proportional to the
// shard's journal, not to the experiment's chunks.
func (en *Engine) shardStatuses(outDir string, x *chunkIndex, n int) ([]ShardStatus, error) {
	states := make([]ShardStatus, n)
	for i := range states {
		s := Shard{i, n}
		st := ShardStatus{Shard: s, Dir: ShardDir(outDir, s), Total: s.size(x.total)}
		done, exists, err := en.journaledChunks(st.Dir, x, &s)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		st.Done, st.Exists = done, exists
		states[i] = st
	}
	return states, nil
}

// A ShardCountError reports shards of another sharding than asked for.
type ShardCountError struct {
	Dir         string
	Found, Want int
}

func (e *ShardCountError) Error() string {
	return fmt.Sprintf("engine: the shards in %s are of %d tasks, not %d", e.Dir, e.Found, e.Want)
}
