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
)

// A Journal appends checksummed records to a file, so that results already
// computed survive the death of the process (each record is handed to the
// kernel as soon as Append returns) and, once synced, of the machine.
// Open reads them back: every intact record, dropping at most a torn
// last one.
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
// MaxRecord bytes: a larger length is corruption, not a record.
//
// # Torn writes and corruption
//
// Append writes each framed record with a single write(2) to a file opened
// with O_APPEND, so a killed process can tear at most its last record. A
// record is torn when the file ends inside it, when it is the last record
// and its checksum fails, or when only zero bytes follow the last intact
// record. Open drops a torn record and truncates the file after the
// last intact one; Read only reports it. Anything else (bad magic, a
// record whose checksum fails and that is followed by more data, a length
// above MaxRecord) is an error wrapping ErrCorrupt that names the
// file, the byte offset and the record: "header record", or "record i" for
// records[i].
//
// A failed write (ENOSPC, EIO) is truncated back to the last record
// boundary, so the file stays readable and a later Append may succeed. A
// failed Sync, however, leaves the journal broken: the kernel may have
// dropped the unwritten pages, so every later Append and Sync returns that
// error, and the caller should Close and reopen the journal with Open
// to learn what the file holds.
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
// damaged other than by a torn last record.
var ErrCorrupt = errors.New("journal: corrupt")

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
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o666)
	if err != nil {
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
// header and every intact record. A torn last record is dropped and the
// file truncated after the last intact record (and synced), so that appends
// continue cleanly. Any other damage is an error wrapping ErrCorrupt.
func Open(path string) (j *Journal, header []byte, records [][]byte, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("journal: %s: open: %w", path, err)
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
			return nil, nil, nil, fmt.Errorf("journal: %s: dropping torn last record: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			return nil, nil, nil, fmt.Errorf("journal: %s: dropping torn last record: %w", path, err)
		}
	}
	return &Journal{path: path, f: f, w: f, size: end}, header, records, nil
}

// Read reads the journal at path like Open but never modifies
// it: torn reports whether it ends with a torn record, which Open
// would drop.
func Read(path string) (header []byte, records [][]byte, torn bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, false, fmt.Errorf("journal: %s: open: %w", path, err)
	}
	defer f.Close()
	header, records, _, torn, err = readJournal(path, f)
	return header, records, torn, err
}

// readJournal reads all of f and parses it.
func readJournal(path string, f *os.File) (header []byte, records [][]byte, end int64, torn bool, err error) {
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, 0, false, fmt.Errorf("journal: %s: read: %w", path, err)
	}
	return parseJournal(path, data)
}

// A corruptError is a damaged journal; it wraps ErrCorrupt.
type corruptError struct{ msg string }

func (e *corruptError) Error() string { return e.msg }
func (e *corruptError) Unwrap() error { return ErrCorrupt }

// parseJournal parses the content of a journal file. The header and
// records alias data. end is the offset after the last intact record.
func parseJournal(path string, data []byte) (header []byte, records [][]byte, end int64, torn bool, err error) {
	// name is how errors refer to the record numbered i.
	name := func(i int) string {
		if i < 0 {
			return "header record"
		}
		return fmt.Sprintf("record %d", i)
	}
	corrupt := func(off int, i int, format string, args ...any) error {
		return &corruptError{fmt.Sprintf("journal: %s: corrupt %s at byte offset %d: %s",
			path, name(i), off, fmt.Sprintf(format, args...))}
	}
	if len(data) < len(journalMagic) || string(data[:len(journalMagic)]) != journalMagic {
		if len(data) < len(journalMagic) && string(data) == journalMagic[:len(data)] {
			return nil, nil, 0, false, &corruptError{fmt.Sprintf("journal: %s: corrupt: only %d bytes, no header record (was its creation interrupted?)", path, len(data))}
		}
		return nil, nil, 0, false, &corruptError{fmt.Sprintf("journal: %s: corrupt: bad magic %q, want %q", path, data[:min(len(data), len(journalMagic))], journalMagic)}
	}
	off := len(journalMagic)
	haveHeader := false
	// Record i is the header for i == -1.
	for i := -1; off < len(data); i++ {
		rest := data[off:]
		if len(rest) < journalFrame {
			torn = true // the file ends inside the frame
			break
		}
		n := binary.LittleEndian.Uint32(rest)
		if n > MaxRecord {
			return nil, nil, 0, false, corrupt(off, i, "length %d exceeds the maximum of %d", n, MaxRecord)
		}
		if uint64(len(rest)) < journalFrame+uint64(n) {
			torn = true // the file ends inside the payload
			break
		}
		payload := rest[journalFrame : journalFrame+n : journalFrame+n]
		if journalSum(rest[:4], payload) != binary.LittleEndian.Uint32(rest[4:]) {
			if len(rest) == journalFrame+int(n) {
				torn = true // the last record, partly written
				break
			}
			if allZero(rest) {
				// What a file system may leave after a machine
				// crash; zeros never frame a valid record.
				torn = true
				break
			}
			return nil, nil, 0, false, corrupt(off, i, "checksum mismatch (%d more bytes follow)", len(rest)-journalFrame-int(n))
		}
		if i < 0 {
			header, haveHeader = payload, true
		} else {
			records = append(records, payload)
		}
		off += journalFrame + int(n)
	}
	if !haveHeader {
		return nil, nil, 0, false, &corruptError{fmt.Sprintf("journal: %s: corrupt: no complete header record (was its creation interrupted?)", path)}
	}
	return header, records, int64(off), torn, nil
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
