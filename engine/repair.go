package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/simrun/simrun/internal/shell"
	"github.com/simrun/simrun/journal"
)

// A Repaired is what Repair did to one journal.
type Repaired struct {
	Path string // the journal
	Kept int    // the chunks it holds: those of every intact record
	// Dropped counts the bytes dropped, of damaged records and a torn
	// tail; 0 for a journal left as it was.
	Dropped int64
}

// Repair salvages the journals of the run in dir: dir's own, and each
// shard's (dir/shards/*/journal.bin) if it has them. A journal with
// damage, a record whose bytes changed with intact records behind it, which
// Run refuses to resume from, is rewritten atomically with its header and
// every intact chunk, without the damaged bytes (journal.Salvage); a
// later Run reruns only the chunks they held, and ends with the bytes of
// an uninterrupted run. A journal without damage is left as it is. Each
// journal is repaired under its directory's writer lock, so never while a
// run writes it.
//
// Repair goes on past a journal it cannot repair, and returns what it did
// with the errors joined. A missing directory, one without a journal, a
// journal whose header is damaged (the header says what its chunks are)
// and a symbolic link are *InputErrors.
func (en *Engine) Repair(dir string) ([]Repaired, error) {
	if fi, err := os.Stat(dir); err != nil {
		return nil, inputErrorf("engine: repair: %w; give the output directory of a run", err)
	} else if !fi.IsDir() {
		return nil, inputErrorf("engine: repair: %s is not a directory; give the output directory of a run", dir)
	}
	has := func(d string) bool {
		_, err := os.Lstat(filepath.Join(d, JournalFile))
		return err == nil
	}
	var dirs []string
	if has(dir) {
		dirs = append(dirs, dir)
	}
	shards, _ := filepath.Glob(filepath.Join(dir, "shards", "*"))
	for _, d := range shards {
		if has(d) {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		return nil, inputErrorf("engine: repair: no %s in %s, nor in %s: nothing to repair", JournalFile, dir, filepath.Join(dir, "shards", "*"))
	}
	var done []Repaired
	var errs []error
	for _, d := range dirs {
		r, err := en.repairJournal(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		done = append(done, r)
	}
	return done, errors.Join(errs...)
}

// repairJournal salvages the journal in dir, under dir's lock.
func (en *Engine) repairJournal(dir string) (Repaired, error) {
	lock, err := en.lockDir(dir)
	if err != nil {
		return Repaired{}, err
	}
	defer lock.Unlock()
	path := filepath.Join(dir, JournalFile)
	_, dropped, err := journal.Salvage(path) // it counts records, each of a run of chunks
	switch {
	case errors.Is(err, journal.ErrSymlink):
		return Repaired{}, inputErrorf("engine: %w; repair the journal it links to where it is", err)
	case errors.Is(err, journal.ErrCorrupt):
		return Repaired{}, inputErrorf("engine: cannot repair %s: %w; move it away, or start over with --force", path, err)
	case err != nil:
		return Repaired{}, fmt.Errorf("engine: %w", err)
	}
	chunks, err := JournalChunks(path)
	if err != nil {
		return Repaired{}, inputErrorf("engine: %s: %w; move it away, or start over with --force", path, err)
	}
	return Repaired{Path: path, Kept: int(chunks), Dropped: dropped}, nil
}

// unusableJournal is the *InputError for the journal in dir that
// journal.Open or journal.Read refused with err, saying what the user can
// do: for a damaged one, repair it. resume says whether a run was refused
// (which --force starts over) rather than a reader.
func (en *Engine) unusableJournal(dir string, err error, resume bool) error {
	var ce *journal.CorruptError
	var todo string
	switch {
	case errors.As(err, &ce) && ce.Record >= 0:
		todo = "run `" + shell.Join(en.Program, "repair", dir) + "` to keep every intact chunk"
		if resume {
			todo += ", or --force to start over"
		}
	case errors.Is(err, journal.ErrSymlink):
		todo = "put a copy of the journal in place of the link to resume from it"
		if resume {
			todo += ", or start over with --force (which removes the link alone)"
		}
	case resume:
		todo = "move it away, or start over with --force"
	default:
		return &InputError{fmt.Errorf("engine: %w", err)}
	}
	if resume {
		return inputErrorf("engine: cannot resume from %s: %w; %s", filepath.Join(dir, JournalFile), err, todo)
	}
	return inputErrorf("engine: %w; %s", err, todo)
}
