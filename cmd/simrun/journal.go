package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/simrun/simrun/runner"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// journalFile holds every completed chunk of a run, appended as it
// completes, so that a run stopped in any way resumes where it stopped.
const journalFile = "journal.bin"

// journalHeader identifies what a journal's chunks are results of. A chunk
// is reusable by any experiment with the same kernel, observables, seed,
// generator and seeding scheme: its identity is (point key, chunk index,
// samples), so a grown sweep or budget reuses every chunk it still has.
type journalHeader struct {
	Format        string   `json:"format"`
	Experiment    string   `json:"experiment"`
	FileSHA256    string   `json:"file_sha256"`
	Kernel        string   `json:"kernel"`
	KernelVersion int      `json:"kernel_version,omitempty"` // absent before versions were recorded: 0
	Observables   []string `json:"observables"`
	Seed          uint64   `json:"seed"`
	Generator     string   `json:"generator"`
	SeedScheme    string   `json:"seed_scheme"`
}

const journalFormat = "simrun-journal/1"

func newJournalHeader(e *sim.Experiment) journalHeader {
	h := journalHeader{
		Format: journalFormat, Experiment: e.Name, FileSHA256: e.SHA256, Kernel: e.Kernel.Name, KernelVersion: e.Kernel.Version,
		Seed: e.Seed, Generator: rng.Algorithm, SeedScheme: sim.SeedScheme,
	}
	for _, o := range e.Kernel.Observables {
		h.Observables = append(h.Observables, o.Name)
	}
	return h
}

// compatible explains why chunks journaled under h cannot be reused by
// want, or returns "".
func (h journalHeader) compatible(want journalHeader) string {
	switch {
	case h.Format != want.Format:
		return fmt.Sprintf("it has format %q, this simrun writes %q", h.Format, want.Format)
	case h.Kernel != want.Kernel:
		return fmt.Sprintf("it is of kernel %q, the experiment runs %q", h.Kernel, want.Kernel)
	case h.KernelVersion != want.KernelVersion:
		return fmt.Sprintf("it is of version %d of kernel %q, this simrun has version %d, whose samples differ", h.KernelVersion, h.Kernel, want.KernelVersion)
	case !slices.Equal(h.Observables, want.Observables):
		return fmt.Sprintf("its observables %v differ from the kernel's %v", h.Observables, want.Observables)
	case h.Seed != want.Seed:
		return fmt.Sprintf("it has seed %d, the experiment %d", h.Seed, want.Seed)
	case h.Generator != want.Generator || h.SeedScheme != want.SeedScheme:
		return "it was made with another generator or seeding scheme"
	}
	return ""
}

// chunkID is a chunk's identity across runs.
type chunkID struct {
	key     string
	chunk   int64
	samples int64
}

// appendRecord encodes one completed chunk: its identity and accumulators.
func appendRecord(b []byte, key string, chunk, samples int64, accs []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = binary.AppendUvarint(b, uint64(chunk))
	b = binary.AppendUvarint(b, uint64(samples))
	return append(b, accs...)
}

func decodeRecord(b []byte, nobs int) (chunkID, []byte, error) {
	var id chunkID
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return id, nil, errors.New("bad key")
	}
	id.key = string(b[k : k+int(n)])
	b = b[k+int(n):]
	c, k := binary.Uvarint(b)
	if k <= 0 {
		return id, nil, errors.New("bad chunk index")
	}
	b = b[k:]
	s, k := binary.Uvarint(b)
	if k <= 0 {
		return id, nil, errors.New("bad sample count")
	}
	b = b[k:]
	if len(b) != nobs*accSize {
		return id, nil, fmt.Errorf("%d bytes of accumulators, want %d", len(b), nobs*accSize)
	}
	id.chunk, id.samples = int64(c), int64(s)
	return id, b, nil
}

// openJournal opens the journal in dir, or creates it, and marks in done
// (and fills in accs) every chunk of e that it already holds. It returns
// how many chunks were reused. A journal of an incompatible experiment is
// refused unless force, which starts it anew.
func openJournal(dir string, e *sim.Experiment, force bool, accs []sim.Acc, done []bool) (*runner.Journal, int64, error) {
	path := filepath.Join(dir, journalFile)
	hdr, err := json.Marshal(newJournalHeader(e))
	if err != nil {
		return nil, 0, err
	}
	if force {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, 0, fmt.Errorf("simrun: --force: %w", err)
		}
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		j, err := runner.CreateJournal(path, hdr)
		return j, 0, err
	}
	j, rawHdr, records, err := runner.OpenJournal(path)
	if err != nil {
		return nil, 0, &inputError{fmt.Errorf("simrun: cannot resume from %s: %w; move it away, or start over with --force", path, err)}
	}
	reused, err := fillChunks(path, rawHdr, records, e, accs, done)
	if err != nil {
		j.Close()
		return nil, 0, err
	}
	return j, reused, nil
}

// readJournalInto reads the journal in dir without modifying it (for
// merge and status, on runs that may be in progress) into accs and done.
func readJournalInto(dir string, e *sim.Experiment, accs []sim.Acc, done []bool) (int64, error) {
	path := filepath.Join(dir, journalFile)
	rawHdr, records, _, err := runner.ReadJournal(path)
	if err != nil {
		return 0, &inputError{fmt.Errorf("simrun: %w", err)}
	}
	return fillChunks(path, rawHdr, records, e, accs, done)
}

// fillChunks checks that a journal's header is compatible with e, and
// marks in done (and fills in accs) every chunk of e that its records
// hold. It returns how many.
func fillChunks(path string, rawHdr []byte, records [][]byte, e *sim.Experiment, accs []sim.Acc, done []bool) (int64, error) {
	var got journalHeader
	if err := json.Unmarshal(rawHdr, &got); err != nil {
		return 0, &inputError{fmt.Errorf("simrun: %s has an unreadable header (%v); move it away, or start over with --force", path, err)}
	}
	if why := got.compatible(newJournalHeader(e)); why != "" {
		return 0, &inputError{fmt.Errorf("simrun: %s holds chunks (of experiment %q) that this run cannot use: %s; use another --out DIR, or --force to discard them", path, got.Experiment, why)}
	}
	nobs := int64(len(e.Kernel.Observables))
	index := chunkIndex(e)
	var n int64
	for r, rec := range records {
		id, acc, err := decodeRecord(rec, int(nobs))
		if err != nil {
			return 0, &inputError{fmt.Errorf("simrun: %s: record %d: %v; move it away, or start over with --force", path, r+1, err)}
		}
		g, ok := index[id]
		if !ok || done[g] {
			continue // a chunk of a point or budget this file no longer has
		}
		if err := decodeAccs(acc, accs[g*nobs:(g+1)*nobs]); err != nil {
			return 0, err
		}
		done[g] = true
		n++
	}
	return n, nil
}
