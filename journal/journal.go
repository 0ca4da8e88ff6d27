package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/simrun/simrun/internal/atomicfile"
	"github.com/simrun/simrun/internal/words"
)

// A Journal appends checksummed records to a file, so that results already
// computed survive the death of the process (each record is handed to the
// kernel as soon as Append returns) and, once synced, of the machine.
// Open reads them back: every intact record, dropping at most a torn
// tail.
//
// # Format
//
// The file starts with the magic "SIMRUNJ1" (8 bytes). Records follow,
// each framed, little-endian:
//
//	u32 payload length | u32 CRC-32C | payload
//
// where the CRC-32C (Castagnoli) covers the 4 length bytes followed by the
// payload, so that a run of zero bytes (what some file systems leave at the
// end of a file after a machine crash) never reads as empty records. The
// first record is the header, opaque like the others. A payload is at most
// MaxRecord bytes: a frame with a larger length is not a record.
//
// # Torn tails and damage
//
// A record is intact when its length is at most MaxRecord, its payload
// lies within the file and its checksum verifies. Records are read one
// after the other up to the first byte offset that does not start an
// intact record. What follows that offset is
//
//   - a torn tail if no intact record starts anywhere after it: the file
//     ends inside the record, or the rest is zeros or other bytes in
//     which no frame verifies. That is what a killed process leaves
//     (Append writes each batch of framed records with a single write(2)
//     to a file opened with O_APPEND, so only the last can be cut short),
//     and what a crash of the machine leaves after the last record
//     written. Open drops a torn tail, truncating the file after the last
//     intact record; Read only reports it.
//   - damage otherwise: a record whose length or bytes changed, with
//     intact records behind it (a length that runs past the end of the
//     file is damage too when an intact record starts in the bytes it
//     would cover). Read and Open return a *CorruptError, which wraps
//     ErrCorrupt, naming the file, the byte offset of the damage, the
//     record ("header record", or "record i" for records[i]) and how many
//     intact records follow it, and Open truncates nothing. Salvage
//     rewrites such a journal with every intact record.
//
// Telling the two apart means looking for an intact record at every byte
// offset after the first that does not start one: only a journal that
// does not end cleanly pays for it, in time linear in its size. A bad
// magic and a missing header record are errors wrapping ErrCorrupt too.
//
// A failed write (ENOSPC, EIO) is truncated back to the last record
// boundary, so the file stays readable and a later Append may succeed. A
// failed Sync, however, leaves the journal broken: the kernel may have
// dropped the unwritten pages, so every later Append and Sync returns that
// error, and the caller should Close and reopen the journal with Open
// to learn what the file holds.
//
// # Symbolic links
//
// Create, Open, Read and Salvage refuse a path whose last element is a
// symbolic link, with an error wrapping ErrSymlink, so that a journal
// linked to another run's is never truncated or appended to; they open
// nothing but a regular file. The directories on the way may be links.
//
// A Journal's methods may be called from several goroutines, but only one
// Journal (in one process) may append to a file at a time.
type Journal struct {
	path string

	mu     sync.Mutex
	f      *os.File
	w      journalFile // f, except in tests that inject faults
	size   int64       // the end of the last intact record
	dirty  bool        // bytes after size could not be truncated away
	broken error       // a failed Sync: returned by every later call
	closed bool
	buf    []byte
}

// journalFile is what a Journal does to its file after opening it.
type journalFile interface {
	Write(p []byte) (int, error)
	Truncate(size int64) error
	Sync() error
}

// ErrCorrupt is wrapped by the errors reporting a journal whose content is
// damaged other than by a torn tail.
var ErrCorrupt = errors.New("journal: corrupt")

// ErrSymlink is wrapped by the errors of Create, Open, Read and Salvage
// for a path that is a symbolic link.
var ErrSymlink = errors.New("journal: a symbolic link")

// A CorruptError reports a damaged journal; it wraps ErrCorrupt.
type CorruptError struct {
	Path   string // the journal's file
	Offset int64  // the byte offset of the damage (0 for a bad magic)
	// Record is the index among the records of the damaged one, or -1
	// when the magic or the header record is damaged. Salvage repairs a
	// journal only when Record >= 0: the header says what the records are.
	Record int
	// Intact is how many intact records follow the damage: Salvage keeps
	// them, after the Record records before it.
	Intact int

	msg string
}

func (e *CorruptError) Error() string { return e.msg }
func (e *CorruptError) Unwrap() error { return ErrCorrupt }

// MaxRecord is the largest record payload a journal holds, in bytes.
const MaxRecord = 64 << 20

const (
	journalMagic = "SIMRUNJ1"
	journalFrame = 8 // length and checksum
	// journalKeepBuf is the largest framing buffer a Journal keeps
	// between appends.
	journalKeepBuf = 1 << 20
)

var journalTable = crc32.MakeTable(crc32.Castagnoli)

// journalSum is the checksum of a record: of its length bytes, then its
// payload.
func journalSum(lenBytes, payload []byte) uint32 {
	return crc32.Update(crc32.Update(0, journalTable, lenBytes), journalTable, payload)
}

// appendJournalRecord appends rec, framed, to dst.
func appendJournalRecord(dst, rec []byte) []byte {
	n := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(rec)))
	dst = binary.LittleEndian.AppendUint32(dst, journalSum(dst[n:n+4], rec))
	return append(dst, rec...)
}

// Create creates a journal at path, which must not exist, with the
// given header record. The file and its directory are synced before it
// returns. On error, no file is left behind.
func Create(path string, header []byte) (j *Journal, err error) {
	if len(header) > MaxRecord {
		return nil, fmt.Errorf("journal: %s: create: header of %d bytes exceeds the maximum of %d", path, len(header), MaxRecord)
	}
	// O_EXCL fails on any existing name, a symbolic link included (even
	// a dangling one), so the file created is never another's.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o666)
	if err != nil {
		if fi, lerr := os.Lstat(path); errors.Is(err, os.ErrExist) && lerr == nil && fi.Mode()&os.ModeSymlink != 0 {
			return nil, symlinkError(path, "create")
		}
		return nil, fmt.Errorf("journal: %s: create: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(path)
		}
	}()
	buf := appendJournalRecord([]byte(journalMagic), header)
	if _, err := f.Write(buf); err != nil {
		return nil, fmt.Errorf("journal: %s: create: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return nil, fmt.Errorf("journal: %s: create: %w", path, err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("journal: %s: create: %w", path, err)
	}
	return &Journal{path: path, f: f, w: f, size: int64(len(buf))}, nil
}

// Open opens the journal at path for appending and returns its
// header and every intact record. A torn tail is dropped and the file
// truncated after the last intact record (and synced), so that appends
// continue cleanly. Damage is a *CorruptError, and leaves the file as it
// is.
func Open(path string) (j *Journal, header []byte, records [][]byte, err error) {
	f, err := openFile(path, "open", os.O_RDWR|os.O_APPEND)
	if err != nil {
		return nil, nil, nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	header, records, end, torn, err := readJournal(path, f)
	if err != nil {
		return nil, nil, nil, err
	}
	if torn {
		if err := f.Truncate(end); err != nil {
			return nil, nil, nil, fmt.Errorf("journal: %s: dropping torn tail: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			return nil, nil, nil, fmt.Errorf("journal: %s: dropping torn tail: %w", path, err)
		}
	}
	return &Journal{path: path, f: f, w: f, size: end}, header, records, nil
}

// Read reads the journal at path like Open but never modifies
// it: torn reports whether it ends with a torn tail, which Open
// would drop.
func Read(path string) (header []byte, records [][]byte, torn bool, err error) {
	f, err := openFile(path, "open", os.O_RDONLY)
	if err != nil {
		return nil, nil, false, err
	}
	defer f.Close()
	header, records, _, torn, err = readJournal(path, f)
	return header, records, torn, err
}

// openFile opens the regular file at path with flag for op, refusing a
// symbolic link (and, by comparing the file opened with the one examined,
// a link that replaced the file in between).
func openFile(path, op string, flag int) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, fmt.Errorf("journal: %s: %s: %w", path, op, err)
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return nil, symlinkError(path, op)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("journal: %s: %s: not a regular file (%v)", path, op, fi.Mode().Type())
	}
	f, err := os.OpenFile(path, flag, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: %s: %s: %w", path, op, err)
	}
	if got, err := f.Stat(); err != nil || !os.SameFile(fi, got) {
		f.Close()
		return nil, fmt.Errorf("journal: %s: %s: the file was replaced while being opened", path, op)
	}
	return f, nil
}

// symlinkError is the error of op on path, a symbolic link.
func symlinkError(path, op string) error {
	to := ""
	if target, err := os.Readlink(path); err == nil {
		to = " to " + target
	}
	return &wrapError{fmt.Sprintf("journal: %s: %s: is a symbolic link%s; a journal is never used through a link, lest another run's be truncated or appended to", path, op, to), ErrSymlink}
}

// A wrapError has its own message and wraps err.
type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

// readJournal reads all of f and parses it.
func readJournal(path string, f *os.File) (header []byte, records [][]byte, end int64, torn bool, err error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, 0, false, fmt.Errorf("journal: %s: read: %w", path, err)
	}
	return parseJournal(path, data)
}

// parseJournal parses the content of a journal file. The header and
// records alias data. end is the offset after the last intact record.
func parseJournal(path string, data []byte) (header []byte, records [][]byte, end int64, torn bool, err error) {
	if err := checkMagic(path, data); err != nil {
		return nil, nil, 0, false, err
	}
	off := len(journalMagic)
	haveHeader := false
	// Record i is the header for i == -1.
	for i := -1; off < len(data); i++ {
		next, ok := intactAt(data, off)
		if !ok {
			// Zeros, what a file system may leave after a machine
			// crash, never frame an intact record: no need to look.
			if allZero(data[off:]) {
				torn = true
				break
			}
			sc := &scanner{data: data}
			at := sc.next(off + 1)
			if at < 0 {
				torn = true
				break
			}
			return nil, nil, 0, false, damageError(path, sc, off, i, at)
		}
		payload := data[off+journalFrame : next : next]
		if i < 0 {
			header, haveHeader = payload, true
		} else {
			records = append(records, payload)
		}
		off = next
	}
	if !haveHeader {
		return nil, nil, 0, false, &CorruptError{Path: path, Offset: int64(len(journalMagic)), Record: -1,
			msg: fmt.Sprintf("journal: %s: corrupt: no complete header record (was its creation interrupted?)", path)}
	}
	return header, records, int64(off), torn, nil
}

// checkMagic returns the error for data that does not start with the
// journal's magic.
func checkMagic(path string, data []byte) error {
	if len(data) >= len(journalMagic) && string(data[:len(journalMagic)]) == journalMagic {
		return nil
	}
	e := &CorruptError{Path: path, Record: -1}
	if len(data) < len(journalMagic) && string(data) == journalMagic[:len(data)] {
		e.msg = fmt.Sprintf("journal: %s: corrupt: only %d bytes, no header record (was its creation interrupted?)", path, len(data))
	} else {
		e.msg = fmt.Sprintf("journal: %s: corrupt: bad magic %q, want %q", path, data[:min(len(data), len(journalMagic))], journalMagic)
	}
	return e
}

// damageError is the error for sc.data whose record i (the header for
// -1), at byte offset off, is not intact while an intact record starts at
// byte offset at.
func damageError(path string, sc *scanner, off, i, at int) *CorruptError {
	data := sc.data
	intact := 0
	sc.each(at, func(_, _ int) { intact++ })
	name := "header record"
	if i >= 0 {
		name = fmt.Sprintf("record %d", i)
	}
	var why string
	switch rest := data[off:]; {
	case len(rest) < journalFrame:
		why = "the file ends inside its frame" // not when a record follows
	case binary.LittleEndian.Uint32(rest) > MaxRecord:
		why = fmt.Sprintf("length %d exceeds the maximum of %d", binary.LittleEndian.Uint32(rest), MaxRecord)
	case uint64(len(rest)-journalFrame) < uint64(binary.LittleEndian.Uint32(rest)):
		why = fmt.Sprintf("length %d runs past the end of the file (%d bytes follow the frame)", binary.LittleEndian.Uint32(rest), len(rest)-journalFrame)
	default:
		why = "checksum mismatch"
	}
	verb := "follow"
	if intact == 1 {
		verb = "follows"
	}
	return &CorruptError{Path: path, Offset: int64(off), Record: i, Intact: intact,
		msg: fmt.Sprintf("journal: %s: corrupt %s at byte offset %d: %s; %s %s it, from byte offset %d",
			path, name, off, why, words.Count(int64(intact), "intact record"), verb, at)}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// Append appends the record rec with a single write. Once it returns, the
// record survives the death of the process; Sync makes it survive a crash
// of the machine. On a write error, the partial record is truncated away
// (if that fails too, the next Append tries again before writing), and the
// error names the journal's file.
func (j *Journal) Append(rec []byte) error {
	return j.AppendBatch([][]byte{rec})
}

// AppendBatch appends the records recs with a single write: after a crash,
// a prefix of them may be present.
func (j *Journal) AppendBatch(recs [][]byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable("append"); err != nil {
		return err
	}
	total := 0
	for _, rec := range recs {
		if len(rec) > MaxRecord {
			return fmt.Errorf("journal: %s: append: record of %d bytes exceeds the maximum of %d", j.path, len(rec), MaxRecord)
		}
		total += journalFrame + len(rec)
	}
	if total == 0 {
		return nil
	}
	if j.dirty {
		if err := j.w.Truncate(j.size); err != nil {
			return fmt.Errorf("journal: %s: append: truncating a failed write: %w", j.path, err)
		}
		j.dirty = false
	}
	buf := j.buf[:0]
	for _, rec := range recs {
		buf = appendJournalRecord(buf, rec)
	}
	if cap(buf) <= journalKeepBuf {
		j.buf = buf
	} else {
		j.buf = nil
	}
	n, err := j.w.Write(buf)
	if err == nil && n != len(buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		// Drop whatever part of buf was written.
		if terr := j.w.Truncate(j.size); terr != nil {
			j.dirty = true
		}
		return fmt.Errorf("journal: %s: append: %w", j.path, unwrapPathError(err))
	}
	j.size += int64(n)
	return nil
}

// unwrapPathError drops the *os.PathError around err, whose path the
// caller names itself.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// usable returns why op cannot be done, if it cannot. j.mu is held.
func (j *Journal) usable(op string) error {
	if j.closed {
		return fmt.Errorf("journal: %s: %s: %w", j.path, op, os.ErrClosed)
	}
	return j.broken
}

// Sync makes the appended records durable against a crash of the machine.
// If it fails, the journal is broken: see the type's documentation.
func (j *Journal) Sync() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable("sync"); err != nil {
		return err
	}
	return j.sync()
}

func (j *Journal) sync() error {
	if err := j.w.Sync(); err != nil {
		j.broken = fmt.Errorf("journal: %s: sync: %w", j.path, unwrapPathError(err))
		return j.broken
	}
	return nil
}

// Discard closes the journal without syncing it, removes its file and
// syncs its directory. It is for a journal whose records are all durable
// elsewhere: the pages of it not yet written are dropped, not written to
// disk only to be deleted. A Discard that fails may leave the file; its
// records are then as durable as an unsynced journal's.
func (j *Journal) Discard() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("journal: %s: discard: %w", j.path, os.ErrClosed)
	}
	j.closed = true
	if err := j.f.Close(); err != nil {
		return fmt.Errorf("journal: %s: discard: %w", j.path, unwrapPathError(err))
	}
	if err := os.Remove(j.path); err != nil {
		return fmt.Errorf("journal: discard: %w", err)
	}
	if err := atomicfile.SyncDir(filepath.Dir(j.path)); err != nil {
		return fmt.Errorf("journal: %s: discard: %w", j.path, err)
	}
	return nil
}

// Close syncs the journal and closes its file. It returns the first error,
// including a Sync error of an earlier call.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return fmt.Errorf("journal: %s: close: %w", j.path, os.ErrClosed)
	}
	j.closed = true
	err := j.broken
	if err == nil {
		err = j.sync()
	}
	if cerr := j.f.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("journal: %s: close: %w", j.path, unwrapPathError(cerr))
	}
	return err
}
