package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/simrun/simrun/journal"
	"github.com/simrun/simrun/report"
	"github.com/simrun/simrun/sim"
)

// The journal is a run's write-ahead log; chunks.bin, written once every
// chunk is in, is its checkpoint. A run that completes with every record
// of its journal in chunks.bin removes the journal, so that a finished
// run keeps one copy of each chunk on disk, not two. A later run of the
// same directory that has work to do (a grown sweep or budget, an output
// deleted, another simrun) first writes the journal back from chunks.bin,
// under the header of the experiment that made it, and goes on as from
// any journal: every guarantee of the journal holds from then on. A run
// with nothing to do and outputs up to date touches nothing (upToDate).

// compactJournal removes the open journal j after a complete run whose
// outputs, chunks.bin first, are durable: every record it held is a chunk
// of chunks.bin. It is removed unsynced (journal.Discard), its pages not
// yet written dropped. A journal with records of other chunks (points or
// budgets the experiment no longer has) is kept, to be reused if they
// come back.
func compactJournal(j *journal.Journal) error {
	if err := j.Discard(); err != nil {
		return fmt.Errorf("engine: removing the journal of a finished run: %w", err)
	}
	return nil
}

// restoreJournal writes the journal of dir back from its chunks.bin, if
// dir has a chunks.bin and an experiment.toml and no journal, and does
// nothing otherwise. A chunks.bin that does not read is an *InputError
// naming it: its chunks would otherwise be silently run again.
func (en *Engine) restoreJournal(dir string) error {
	path := filepath.Join(dir, JournalFile)
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(dir, ChunksFile)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(dir, ExperimentFile)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	old, err := en.ReadExperiment(dir)
	if err != nil {
		return err
	}
	// Its layout and checksum first: its chunks are trusted from then on.
	if err := checkChunksLayout(dir, old); err != nil {
		return fmt.Errorf("%w; or start over with --force", err)
	}
	if err := checkChunksFile(dir); err != nil {
		return inputErrorf("engine: %s: %w; or start over with --force", filepath.Join(dir, ChunksFile), err)
	}
	l := old.Layout()
	hdr, err := json.Marshal(newJournalHeader(old))
	if err != nil {
		return err
	}
	j, err := journal.Create(path, hdr)
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	// Records in batches of about 4 MB, one write each, as chunks.bin is
	// read a block at a time. A crash part way leaves a journal of fewer
	// chunks and chunks.bin as it was: the next run computes the rest
	// again, to the same bytes.
	var accs []byte
	b := newRecordBatch(1)
	flush := func() error {
		err := j.AppendBatch(b.records())
		b.reset()
		if err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		return nil
	}
	lastPoint, key := int64(-1), []byte(nil)
	err = eachDoneChunk(dir, old, func(g int64, a []sim.Acc) error {
		p, c := l.Split(g)
		if p != lastPoint {
			lastPoint, key = p, old.AppendKey(key[:0], p)
		}
		accs = sim.AppendAccs(accs[:0], a)
		b.add(key, g, c, old.Budget.ChunkSamples(c), accs)
		if len(b.buf) >= mergeBlockBytes {
			return flush()
		}
		return nil
	})
	if err != nil {
		j.Close()
		return err
	}
	err = flush()
	if cerr := j.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("engine: %w", cerr)
	}
	return err
}

// checkChunksFile checks the checksum of dir's chunks.bin, reading it
// through in blocks (report.CheckChunks).
func checkChunksFile(dir string) error {
	f, err := os.Open(filepath.Join(dir, ChunksFile))
	if err != nil {
		return err
	}
	defer f.Close()
	return report.CheckChunks(f)
}

// readChunksFile reads dir's chunks.bin whole, which must be of e's layout.
func readChunksFile(dir string, e *sim.Experiment) (*sim.ChunkTable, error) {
	if err := checkChunksLayout(dir, e); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, ChunksFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{fmt.Errorf("engine: %w", err)}
	}
	defer f.Close()
	t, err := report.ReadChunks(f)
	if err != nil {
		return nil, inputErrorf("engine: %s: %w", path, err)
	}
	return t, nil
}

// upToDate returns the outcome of a run of e in dir that has nothing to
// do: no journal (the last run completed), every output in place, and a
// results.json without failures or missing points, written by this very
// binary for these exact file bytes (and kernel program). Anything else,
// or anything that does not read, is not up to date, and the run goes the
// long way, rewriting every output. Its work does not grow with the
// sweep: it reads results.json, which does not either, and the header of
// chunks.bin.
func (en *Engine) upToDate(dir string, e *sim.Experiment) (*Outcome, bool) {
	if _, err := os.Lstat(filepath.Join(dir, JournalFile)); !errors.Is(err, os.ErrNotExist) {
		return nil, false
	}
	for _, name := range outputNames(e, false) {
		if fi, err := os.Lstat(filepath.Join(dir, name)); err != nil || !fi.Mode().IsRegular() {
			return nil, false
		}
	}
	res, err := ReadResults(filepath.Join(dir, ResultsJSON))
	if err != nil || res.Partial || len(res.Failures) > 0 {
		return nil, false
	}
	pv, b := res.Provenance, en.build
	total := finishedChunks(e, res)
	switch {
	case pv.FileSHA256 != e.SHA256, pv.Kernel != e.Kernel.Name, pv.KernelVersion != e.Kernel.Version,
		pv.Module != b.Module, pv.Version != b.Version, pv.Simrun != b.Simrun, pv.Revision != b.Revision, pv.Modified != b.Modified,
		int64(len(res.Points))+res.PointsOmitted != e.NumPoints():
		return nil, false
	case (e.Program == nil) != (pv.Program == nil), e.Program != nil && e.Program.Identity() != pv.Program.Identity:
		return nil, false
	}
	if checkChunksLayout(dir, e) != nil {
		return nil, false
	}
	res.Tables = TableNames(e) // in place, as outputNames says
	return &Outcome{Dir: dir, Results: res, UpToDate: true, Reused: total, Done: total, Total: total}, true
}
