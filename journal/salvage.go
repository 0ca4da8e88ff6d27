package journal

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/simrun/simrun/internal/atomicfile"
)

// Salvage rewrites the journal at path with its header and every intact
// record, in their order, dropping the bytes that are in none: damaged
// records and a torn tail (see type Journal). Each record kept is one
// whose checksum verifies, wherever it was found, so a damaged record in
// the middle costs that record and no other. kept counts the records kept
// after the header, dropped the bytes dropped; a journal with nothing to
// drop is left as it is.
//
// The new file replaces the old atomically and durably (written to a
// temporary file in the same directory, synced, renamed over path, and
// the directory synced): a crash leaves either journal, whole. The header
// record must be intact, since it says what the records are: otherwise,
// and for a bad magic, the error is a *CorruptError and the file is left
// as it is. Like Open, Salvage refuses a symbolic link (ErrSymlink). No
// Journal may be open on path meanwhile: what it appended during Salvage
// would be lost.
func Salvage(path string) (kept int, dropped int64, err error) {
	f, err := openFile(path, "salvage", os.O_RDONLY)
	if err != nil {
		return 0, 0, err
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return 0, 0, fmt.Errorf("journal: %s: salvage: read: %w", path, err)
	}
	// The header must be intact: keep it and every intact record after
	// it. Otherwise, parseJournal says what is wrong.
	hdrEnd, ok := 0, checkMagic(path, data) == nil
	if ok {
		hdrEnd, ok = intactAt(data, len(journalMagic))
	}
	if !ok {
		_, _, _, _, err := parseJournal(path, data)
		var ce *CorruptError
		if errors.As(err, &ce) && ce.Intact > 0 {
			err = &CorruptError{Path: ce.Path, Offset: ce.Offset, Record: ce.Record, Intact: ce.Intact,
				msg: ce.msg + "; without an intact header, which says what the records are, there is nothing to salvage"}
		}
		return 0, 0, err
	}
	var spans [][2]int
	size := hdrEnd
	sc := &scanner{data: data}
	sc.each(hdrEnd, func(start, end int) {
		spans = append(spans, [2]int{start, end})
		size += end - start
	})
	if size == len(data) {
		return len(spans), 0, nil
	}
	err = atomicfile.WriteFile(path, func(w io.Writer) error {
		if _, err := w.Write(data[:hdrEnd]); err != nil {
			return err
		}
		for _, s := range spans {
			if _, err := w.Write(data[s[0]:s[1]]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("journal: %s: salvage: %w", path, err)
	}
	return len(spans), int64(len(data) - size), nil
}
