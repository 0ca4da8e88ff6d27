package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

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
			return 0, nil, &inputError{fmt.Errorf("simrun: %s holds shards of %d and of %d runs; merge one sharding at a time", filepath.Join(outDir, "shards"), n, c)}
		}
		n = c
		have[i] = true
	}
	if n == 0 {
		return 0, nil, &inputError{fmt.Errorf("simrun: no shards in %s: run `simrun run --shard I/N --out %s FILE` or `simrun submit` first", filepath.Join(outDir, "shards"), outDir)}
	}
	return n, have, nil
}

// shardExperiment loads the experiment the shards ran, refusing shards
// that ran different files.
func shardExperiment(outDir string, n int, have map[int]bool) (*sim.Experiment, error) {
	var first []byte
	var firstPath string
	for i := range n {
		if !have[i] {
			continue
		}
		path := filepath.Join(shardDir(outDir, i, n), experimentFile)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, &inputError{fmt.Errorf("simrun: shard %d/%d: %w", i, n, err)}
		}
		if first == nil {
			first, firstPath = b, path
			continue
		}
		if !bytes.Equal(b, first) {
			return nil, &inputError{fmt.Errorf("simrun: shards ran different experiments: %s differs from %s; merge only shards of one experiment", path, firstPath)}
		}
	}
	return loadExperiment(firstPath)
}

// mergeCmd combines the shards of a sharded run into the outputs an
// unsharded run writes, byte for byte.
func mergeCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("merge", "OUTDIR", stderr)
	quiet := fs.Bool("quiet", false, "print no summary")
	pos, err := parseArgs(fs, args, 1, "one output directory")
	if err != nil {
		return err
	}
	start := time.Now()
	outDir := pos[0]
	n, have, err := foundShards(outDir)
	if err != nil {
		return err
	}
	e, err := shardExperiment(outDir, n, have)
	if err != nil {
		return err
	}
	total, _ := e.NumChunks()
	nobs := int64(len(e.Kernel.Observables))
	accs := make([]sim.Acc, total*nobs)
	done := make([]bool, total)
	var problems []string
	for i := range n {
		if !have[i] {
			problems = append(problems, fmt.Sprintf("shard %d/%d has not run (no %s)", i, n, shardDir(outDir, i, n)))
			continue
		}
		if _, err := readJournalInto(shardDir(outDir, i, n), e, accs, done); err != nil {
			return err
		}
	}
	lacking := make(map[int][]int64)
	for g, d := range done {
		if !d {
			s := g % n
			lacking[s] = append(lacking[s], int64(g))
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
			first = append(first, fmt.Sprintf("point %d chunk %d", g/e.Budget.Chunks, g%e.Budget.Chunks))
		}
		problems = append(problems, fmt.Sprintf("shard %d/%d lacks %d chunks (%s%s)", s, n, len(lacking[s]), strings.Join(first, ", "), map[bool]string{true: ", ...", false: ""}[len(lacking[s]) > 3]))
	}
	if len(problems) > 0 {
		return &inputError{fmt.Errorf("simrun: cannot merge %s: %s; rerun the incomplete shards (simrun submit --resume, or simrun run --shard I/N), then merge again", outDir, strings.Join(problems, "; "))}
	}
	o := runOptions{workers: 0}
	res := &report.Results{Provenance: provenance(e, o, start, time.Now())}
	res.Provenance.Executor = fmt.Sprintf("merge of %d shards", n)
	written, err := writeOutputs(outDir, e, res, accs, func() { res.Points, res.Partial = reduce(e, accs, done, nil) })
	if err != nil {
		return err
	}
	if !*quiet {
		if err := report.Summary(stdout, res); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\nmerged %d shards; wrote %d files in %s: %s\n", n, len(written), outDir, baseNames(written))
	}
	return nil
}
