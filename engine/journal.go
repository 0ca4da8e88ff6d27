package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/simrun/simrun/journal"
	"github.com/simrun/simrun/sim"
	"github.com/simrun/simrun/sim/rng"
)

// A run's journal holds every completed chunk, appended as it completes,
// so that a run stopped in any way resumes where it stopped. Its header
// (JSON) says what the chunks are results of; each record is a run of
// chunks of one point that completed together (a worker's batch of
// results): the identity of the first, and their accumulators.
//
// A record's payload is
//
//	uvarint len(key) | key | uvarint chunk | uvarint samples | uvarint step | accumulators
//
// for the chunks chunk, chunk+step, ... of the point whose key it is, each
// of samples samples, as many as the accumulators hold (a shard's chunks
// of a point are step apart). Format 1 journals, written before records
// held runs, have no step and one chunk a record; they are still read,
// and a run resumed from one appends records of that format.
//
// A record of a run of chunks costs the key and the framing once, not
// once a chunk: on trivial chunks (spin, work = 0) the journal went from
// 59.3 to 40.0 bytes a chunk, and its write(2) was the largest cost of
// the parent.

// journalHeader identifies what a journal's chunks are results of. A chunk
// is reusable by any experiment with the same kernel, observables, seed,
// generator and seeding scheme: its identity is (point key, chunk index,
// samples), so a grown sweep or budget reuses every chunk it still has.
type journalHeader struct {
	Format        string `json:"format"`
	Experiment    string `json:"experiment"`
	FileSHA256    string `json:"file_sha256"`
	Kernel        string `json:"kernel"`
	KernelVersion int    `json:"kernel_version,omitempty"` // absent before versions were recorded: 0
	// For a kernel run as a program: its command and the hashes of its
	// files (sim.Program), so that chunks of other code are not mixed in.
	Program      []string       `json:"program,omitempty"`
	ProgramFiles []sim.FileHash `json:"program_files,omitempty"`
	Observables  []string       `json:"observables"`
	Seed         uint64         `json:"seed"`
	Generator    string         `json:"generator"`
	SeedScheme   string         `json:"seed_scheme"`
}

const (
	journalFormat  = "simrun-journal/2"
	journalFormat1 = "simrun-journal/1" // one chunk a record, without a step
)

// maxRunBytes bounds the accumulators of one record, and so what a damaged
// record loses and what decoding one holds.
const maxRunBytes = 64 << 10

func newJournalHeader(e *sim.Experiment) journalHeader {
	h := journalHeader{
		Format: journalFormat, Experiment: e.Name, FileSHA256: e.SHA256, Kernel: e.Kernel.Name, KernelVersion: e.Kernel.Version,
		Seed: e.Seed, Generator: rng.Algorithm, SeedScheme: sim.SeedScheme,
	}
	for _, o := range e.Kernel.Observables {
		h.Observables = append(h.Observables, o.Name)
	}
	if e.Program != nil {
		h.Program, h.ProgramFiles = e.Program.Command, e.Program.Hashes
	}
	return h
}

// programChange says how the program of want differs from h's, or "".
func (h journalHeader) programChange(want journalHeader) string {
	if !slices.Equal(h.Program, want.Program) {
		if len(h.Program) == 0 {
			return fmt.Sprintf("it is of the kernel %q compiled into simrun, the experiment runs the program %s", h.Kernel, (&sim.Program{Command: want.Program}).CommandLine())
		}
		return fmt.Sprintf("it was made by the program %s, the experiment runs %s", (&sim.Program{Command: h.Program}).CommandLine(), (&sim.Program{Command: want.Program}).CommandLine())
	}
	old := make(map[string]string)
	for _, f := range h.ProgramFiles {
		old[f.Path] = f.SHA256
	}
	for _, f := range want.ProgramFiles {
		sum, ok := old[f.Path]
		switch {
		case !ok:
			return fmt.Sprintf("the kernel's code now includes %s, which it did not", f.Path)
		case sum != f.SHA256:
			return fmt.Sprintf("%s has changed since (SHA-256 %.12s…, was %.12s…): its samples may differ; to keep the old chunks, restore it; to start over, --force", f.Path, f.SHA256, sum)
		}
		delete(old, f.Path)
	}
	for path := range old {
		return fmt.Sprintf("the kernel's code no longer includes %s", path)
	}
	return ""
}

// compatible explains why chunks journaled under h cannot be reused by
// want, or returns "".
func (h journalHeader) compatible(want journalHeader) string {
	switch {
	case h.Format != want.Format && h.Format != journalFormat1:
		return fmt.Sprintf("it has format %q, this simrun writes %q", h.Format, want.Format)
	case h.Kernel != want.Kernel:
		return fmt.Sprintf("it is of kernel %q, the experiment runs %q", h.Kernel, want.Kernel)
	case h.KernelVersion != want.KernelVersion:
		return fmt.Sprintf("it is of version %d of kernel %q, this simrun has version %d, whose samples differ", h.KernelVersion, h.Kernel, want.KernelVersion)
	case h.programChange(want) != "":
		return h.programChange(want)
	case !slices.Equal(h.Observables, want.Observables):
		return fmt.Sprintf("its observables %v differ from the kernel's %v", h.Observables, want.Observables)
	case h.Seed != want.Seed:
		return fmt.Sprintf("it has seed %d, the experiment %d", h.Seed, want.Seed)
	case h.Generator != want.Generator || h.SeedScheme != want.SeedScheme:
		return "it was made with another generator or seeding scheme"
	}
	return ""
}

// chunkID is a chunk's identity across runs. Its key aliases the record
// it was decoded from, so that looking it up allocates nothing.
type chunkID struct {
	key     []byte
	chunk   int64
	samples int64
}

// A recordBatch gathers the journal records of the chunks that completed
// together, for one AppendBatch: a chunk that follows the last one added
// (the next of the same point, step on, with as many samples) extends its
// record.
type recordBatch struct {
	buf  []byte
	ends []int      // where each record ends in buf
	runs []chunkRun // the chunks each record holds
	recs [][]byte   // the records, as records returns them

	step   int64 // between the chunks of a record; 0 for format 1
	chunk  int64 // of the last chunk added
	sample int64 // its samples
}

// A chunkRun is the chunks of a record: g, g+step, ... (global indices).
type chunkRun struct {
	g int64
	n int
}

// newRecordBatch returns an empty batch of records whose chunks are step
// apart, or of single chunks in a journal of format 1 if step is 0.
func newRecordBatch(step int64) *recordBatch { return &recordBatch{step: step} }

// add adds chunk g, the chunk-th of the point with key, of samples samples,
// with its encoded accumulators.
func (b *recordBatch) add(key []byte, g, chunk, samples int64, accs []byte) {
	if n := len(b.runs); n > 0 && b.step > 0 {
		r := &b.runs[n-1]
		if g == r.g+int64(r.n)*b.step && chunk == b.chunk+b.step && samples == b.sample && (r.n+1)*len(accs) <= maxRunBytes {
			b.buf = append(b.buf, accs...)
			b.ends[n-1] = len(b.buf)
			r.n++
			b.chunk = chunk
			return
		}
	}
	b.buf = binary.AppendUvarint(b.buf, uint64(len(key)))
	b.buf = append(b.buf, key...)
	b.buf = binary.AppendUvarint(b.buf, uint64(chunk))
	b.buf = binary.AppendUvarint(b.buf, uint64(samples))
	if b.step > 0 {
		b.buf = binary.AppendUvarint(b.buf, uint64(b.step))
	}
	b.buf = append(b.buf, accs...)
	b.ends = append(b.ends, len(b.buf))
	b.runs = append(b.runs, chunkRun{g: g, n: 1})
	b.chunk, b.sample = chunk, samples
}

// records returns the records, valid until the next add or reset.
func (b *recordBatch) records() [][]byte {
	b.recs = b.recs[:0]
	start := 0
	for _, end := range b.ends {
		b.recs = append(b.recs, b.buf[start:end:end])
		start = end
	}
	return b.recs
}

func (b *recordBatch) len() int { return len(b.runs) }

func (b *recordBatch) reset() {
	b.buf, b.ends, b.runs, b.recs = b.buf[:0], b.ends[:0], b.runs[:0], b.recs[:0]
}

// decodeRecord decodes a record of a journal of format (journalFormat or
// journalFormat1) whose chunks have nobs observables: the first chunk's
// identity, the step between chunks, and their accumulators, nobs·AccSize
// bytes each.
func decodeRecord(b []byte, nobs int, format string) (id chunkID, step int64, accs []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return id, 0, nil, errors.New("bad key")
	}
	id.key = b[k : k+int(n) : k+int(n)]
	b = b[k+int(n):]
	c, k := binary.Uvarint(b)
	if k <= 0 || c > math.MaxInt64 {
		return id, 0, nil, errors.New("bad chunk index")
	}
	b = b[k:]
	s, k := binary.Uvarint(b)
	if k <= 0 || s > math.MaxInt64 {
		return id, 0, nil, errors.New("bad sample count")
	}
	b = b[k:]
	size := nobs * sim.AccSize
	if format == journalFormat1 {
		if len(b) != size {
			return id, 0, nil, fmt.Errorf("%d bytes of accumulators, want %d", len(b), size)
		}
		step = 1
	} else {
		st, k := binary.Uvarint(b)
		if k <= 0 || st == 0 || st > math.MaxInt64 {
			return id, 0, nil, errors.New("bad step")
		}
		step, b = int64(st), b[k:]
		if len(b) == 0 || len(b)%size != 0 {
			return id, 0, nil, fmt.Errorf("%d bytes of accumulators, want a positive multiple of %d", len(b), size)
		}
	}
	id.chunk, id.samples = int64(c), int64(s)
	return id, step, b, nil
}

// openJournal opens the journal in dir, or creates it, and fills into t
// every chunk of e that it already holds. It returns how many chunks were
// reused, whether the journal holds chunks besides those (of points or
// budgets e no longer has, or a chunk twice), and its format. A journal of
// an incompatible experiment is refused unless force, which starts it
// anew.
func (en *Engine) openJournal(dir string, e *sim.Experiment, force bool, t *chunkStore) (j *journal.Journal, reused int64, foreign bool, format string, err error) {
	path := filepath.Join(dir, JournalFile)
	hdr, err := json.Marshal(newJournalHeader(e))
	if err != nil {
		return nil, 0, false, "", err
	}
	if force {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, 0, false, "", fmt.Errorf("engine: discarding the journal: %w", err)
		}
	}
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		j, err := journal.Create(path, hdr)
		if errors.Is(err, journal.ErrSymlink) { // a link made since
			return nil, 0, false, "", en.unusableJournal(dir, err, true)
		}
		return j, 0, false, journalFormat, err
	}
	j, rawHdr, records, err := journal.Open(path)
	if err != nil {
		return nil, 0, false, "", en.unusableJournal(dir, err, true)
	}
	x := newChunkIndex(e)
	reused, held, err := fillChunks(path, rawHdr, records, x, t)
	if err != nil {
		j.Close()
		return nil, 0, false, "", err
	}
	return j, reused, held != reused, x.format, nil
}

// fillChunks puts into t, marking them done, the chunks of x's
// experiment that a journal's records hold and t does not have yet (nor
// holds: a shard's other chunks), and returns how many, and how many
// chunks the records hold.
func fillChunks(path string, rawHdr []byte, records [][]byte, x *chunkIndex, t *chunkStore) (reused, held int64, err error) {
	var n int64
	held, err = eachChunk(path, rawHdr, records, x, func(g int64, accs []byte) error {
		if t.Done(g) || !t.shard.owns(g) {
			return nil
		}
		if err := t.check(accs); err != nil {
			return err
		}
		n++
		return t.put(g, accs)
	})
	return n, held, err
}

// eachChunk checks that a journal's header is compatible with x's
// experiment and calls f with the global index and the encoded
// accumulators of each chunk of its records that the experiment has (a
// journal may hold chunks of points or budgets the file no longer has).
// It returns how many chunks the records hold. Its work is proportional
// to the journal's size.
func eachChunk(path string, rawHdr []byte, records [][]byte, x *chunkIndex, f func(g int64, accs []byte) error) (held int64, err error) {
	// The shards of a campaign have one header, byte for byte: decoding
	// it again for each of them was a third of a status's time.
	if !bytes.Equal(rawHdr, x.accepted) {
		var got journalHeader
		if err := json.Unmarshal(rawHdr, &got); err != nil {
			return 0, inputErrorf("engine: %s has an unreadable header (%v); move it away, or start over with --force", path, err)
		}
		if why := got.compatible(x.header); why != "" {
			return 0, inputErrorf("engine: %s holds chunks (of experiment %q) that this run cannot use: %s; use another --out DIR, or --force to discard them", path, got.Experiment, why)
		}
		x.accepted, x.format = bytes.Clone(rawHdr), got.Format
	}
	size := x.layout.Obs * sim.AccSize
	for r, rec := range records {
		id, step, accs, err := decodeRecord(rec, x.layout.Obs, x.format)
		if err != nil {
			return held, inputErrorf("engine: %s: record %d: %v; move it away, or start over with --force", path, r, err)
		}
		held += int64(len(accs) / size)
		for ; len(accs) > 0; accs = accs[size:] {
			if g, ok := x.lookup(id); ok {
				if err := f(g, accs[:size]); err != nil {
					return held, err
				}
			}
			if id.chunk > math.MaxInt64-step {
				break // no later chunk of it can be the experiment's
			}
			id.chunk += step
		}
	}
	return held, nil
}

// JournalChunks returns how many chunks the intact records of the journal
// at path hold, whatever experiment they are of: a chunk journaled twice
// counts twice, and a torn tail not at all. It reads the journal without
// changing it, so it may watch a run that is writing it.
func JournalChunks(path string) (int64, error) {
	rawHdr, records, _, err := journal.Read(path)
	if err != nil {
		return 0, err
	}
	var h journalHeader
	if err := json.Unmarshal(rawHdr, &h); err != nil {
		return 0, fmt.Errorf("engine: %s has an unreadable header: %v", path, err)
	}
	var n int64
	for r, rec := range records {
		_, _, accs, err := decodeRecord(rec, len(h.Observables), h.Format)
		if err != nil {
			return n, fmt.Errorf("engine: %s: record %d: %v", path, r, err)
		}
		n += int64(len(accs) / (len(h.Observables) * sim.AccSize))
	}
	return n, nil
}

// journaledChunks returns how many distinct chunks of x's experiment that
// shard s owns (every chunk, for a nil s) the journal in dir holds,
// read-only, and whether there is a journal: a missing one is not an
// error. It allocates for the chunks s owns only, not for all of them:
// the status of a campaign of many shards reads each of them.
func (en *Engine) journaledChunks(dir string, x *chunkIndex, s *Shard) (n int64, exists bool, err error) {
	path := filepath.Join(dir, JournalFile)
	rawHdr, records, _, err := journal.Read(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, true, en.unusableJournal(dir, err, false)
	}
	// Shard s owns the chunks g = s.Index + k·s.Count, k < s.size(total):
	// seen is indexed by k.
	count, owned := int64(1), x.total
	if s != nil {
		count, owned = int64(s.Count), s.size(x.total)
	}
	seen := make([]bool, owned)
	_, err = eachChunk(path, rawHdr, records, x, func(g int64, _ []byte) error {
		if k := g / count; s.owns(g) && !seen[k] {
			seen[k] = true
			n++
		}
		return nil
	})
	return n, true, err
}

// A chunkIndex finds a journaled chunk's global index in an experiment
// from its identity: the point its key names, then the chunk's place in
// the point, if its sample count is the budget's for that place. It holds
// one entry per point, not per chunk, and is built once per operation: a
// merge or status of N shards reads N journals with it. It remembers the
// last header it accepted, so it is for one goroutine at a time.
type chunkIndex struct {
	header   journalHeader    // what the journals must be compatible with
	accepted []byte           // the last journal header found compatible
	format   string           // its format
	points   map[string]int64 // point key → point index
	layout   sim.ChunkLayout
	budget   sim.Budget
	total    int64 // chunks of the experiment
}

func newChunkIndex(e *sim.Experiment) *chunkIndex {
	x := &chunkIndex{header: newJournalHeader(e), points: make(map[string]int64, e.NumPoints()), layout: e.Layout(), budget: e.Budget}
	x.total, _ = e.NumChunks()
	for p := range e.NumPoints() {
		x.points[e.Point(p).Key] = p
	}
	return x
}

// lookup returns the global index of the chunk id, and false if the
// experiment has no such chunk.
func (x *chunkIndex) lookup(id chunkID) (int64, bool) {
	p, ok := x.points[string(id.key)]
	if !ok || id.chunk < 0 || id.chunk >= x.layout.Chunks || id.samples != x.budget.ChunkSamples(id.chunk) {
		return 0, false
	}
	return x.layout.Index(p, id.chunk), true
}
