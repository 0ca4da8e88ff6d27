package engine

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
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
// byte. A shard that has not run or lacks chunks is an *InputError naming
// it and the first chunks it lacks.
func (en *Engine) Merge(outDir string) (*Outcome, error) {
	start := time.Now()
	e, n, have, err := en.shards(outDir)
	if err != nil {
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
	t := e.NewChunkTable()
	x := newChunkIndex(e)
	var problems []string
	for i := range n {
		s := Shard{i, n}
		if !have[i] {
			problems = append(problems, fmt.Sprintf("shard %s has not run (no %s)", s, ShardDir(outDir, s)))
			continue
		}
		if _, err := en.readJournal(ShardDir(outDir, s), x, t); err != nil {
			return nil, err
		}
	}
	lacking := make(map[int][]int64)
	for g := range t.Len() {
		if !t.Done(g) {
			s := int(g % int64(n))
			lacking[s] = append(lacking[s], g)
		}
	}
	shards := make([]int, 0, len(lacking))
	for s := range lacking {
		if have[s] {
			shards = append(shards, s)
		}
	}
	sort.Ints(shards)
	for _, s := range shards {
		var first []string
		for _, g := range lacking[s][:min(3, len(lacking[s]))] {
			p, c := t.Split(g)
			first = append(first, fmt.Sprintf("point %d chunk %d", p, c))
		}
		more := ""
		if len(lacking[s]) > 3 {
			more = ", ..."
		}
		problems = append(problems, fmt.Sprintf("shard %d/%d lacks %d chunks (%s%s)", s, n, len(lacking[s]), strings.Join(first, ", "), more))
	}
	if len(problems) > 0 {
		return nil, inputErrorf("engine: cannot merge %s: %s; rerun the incomplete shards (simrun submit --resume, or simrun run --shard I/N), then merge again", outDir, strings.Join(problems, "; "))
	}
	pv := en.provenance(e, 0, fmt.Sprintf("merge of %d shards", n), start, time.Now())
	res := &report.Results{Provenance: withRun(pv, nil, 0, t.Len())}
	written, err := writeOutputs(outDir, e, res, t, func() { res.Points, res.Partial = reduce(e, t, nil) })
	if err != nil {
		return nil, err
	}
	return &Outcome{Dir: outDir, Results: res, Written: written, Done: t.Len(), Total: t.Len(), Shards: n}, nil
}
