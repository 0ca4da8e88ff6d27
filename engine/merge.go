package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

// shards finds the shards in outDir (their count n and which exist) and
// loads the experiment they ran, refusing shards that ran different files.
func (en *Engine) shards(outDir string) (e *sim.Experiment, n int, have map[int]bool, err error) {
	if n, have, err = foundShards(outDir); err != nil {
		return nil, 0, nil, err
	}
	e, err = en.shardExperiment(outDir, n, have)
	return e, n, have, err
}

// shardExperiment loads the experiment the shards ran, refusing shards
// that ran different files.
func (en *Engine) shardExperiment(outDir string, n int, have map[int]bool) (*sim.Experiment, error) {
	var first []byte
	var firstPath, firstDir string
	for i := range n {
		if !have[i] {
			continue
		}
		path := filepath.Join(ShardDir(outDir, Shard{i, n}), ExperimentFile)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, inputErrorf("engine: shard %d/%d: %w", i, n, err)
		}
		if first == nil {
			first, firstPath, firstDir = b, path, filepath.Dir(path)
			continue
		}
		if !bytes.Equal(b, first) {
			return nil, inputErrorf("engine: shards ran different experiments: %s differs from %s; merge only shards of one experiment", path, firstPath)
		}
	}
	return en.loadSaved(firstDir, firstPath, first)
}

// Merge combines the shards of a sharded run in outDir (runs with
// Options.Shard set) into the outputs an unsharded run writes, byte for
// byte, in memory bounded by the points and one shard's journal, not by
// the chunks (see mergestream.go). A shard that has not run or lacks
// chunks is an *InputError naming it and the first chunks it lacks;
// if one of them recorded chunks that failed in the kernel
// (FailuresFile), the error is a plain one that says so, since running
// the shard again would repeat the failure. Either way nothing is
// written.
func (en *Engine) Merge(outDir string) (*Outcome, error) {
	start := time.Now()
	e, n, have, err := en.shards(outDir)
	if err != nil {
		// A run sampled to a target has no shards to merge, ever.
		if prior, perr := en.ReadExperiment(outDir); perr == nil && prior.Budget.Adaptive() {
			return nil, inputErrorf("engine: %s holds a run of experiment %q, which samples its points to a target ([samples.target]): such a run is never sharded, so there is nothing to merge; `simrun run` it whole, and `simrun report %s` rebuilds its outputs", outDir, prior.Name, outDir)
		}
		return nil, err
	}
	lock, err := en.lockDir(outDir)
	if err != nil {
		return nil, err
	}
	defer lock.Unlock()
	if err := checkOutputPaths(outDir, outputNames(e, false)); err != nil {
		return nil, err
	}
	points, err := en.mergeChunks(outDir, e, n, have)
	if err != nil {
		return nil, err
	}
	var written []string
	if err := writeSource(&written, outDir, e); err != nil {
		return nil, err
	}
	written = append(written, filepath.Join(outDir, ChunksFile))
	total, _ := e.NumChunks()
	pv := en.provenance(e, 0, fmt.Sprintf("merge of %d shards", n), start, time.Now())
	res := &report.Results{Provenance: withRun(pv, nil, 0, total), Points: points}
	if err := writeTables(&written, outDir, e, res, nil); err != nil {
		return nil, err
	}
	return &Outcome{Dir: outDir, Results: res, Written: written, Done: total, Total: total, Shards: n}, nil
}
