// Package dirlock gives a process the one writer's lock of a directory:
// an advisory lock (flock(2)) on a file in it, which the kernel releases
// when the holder exits in any way, SIGKILL included, so a lock is never
// left stale. The file also says who holds the lock, for the error of the
// process that could not take it. Readers take no lock.
//
// flock is advisory: it excludes only processes that take it too, and on
// some network file systems (NFS without lock support, some FUSE file
// systems) it locks nothing across machines or fails. Where the operating
// system has no flock (Windows, Plan 9), Acquire succeeds without excluding
// anyone; Supported says which.
package dirlock

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Name is the lock file's name in a locked directory.
const Name = ".simrun.lock"

// A Lock is a held directory lock.
type Lock struct{ f *os.File }

// A HeldError reports that another process holds the lock.
type HeldError struct {
	Dir    string
	Holder string // what the holder wrote: "pid 123, since ..., simrun run x.toml"; "" if unknown
}

func (e *HeldError) Error() string {
	who := "another process"
	if e.Holder != "" {
		who = "another process (" + e.Holder + ")"
	}
	return fmt.Sprintf("dirlock: %s is being written by %s; wait for it to finish, or use another directory", e.Dir, who)
}

// Acquire takes the lock of directory dir, which must exist, without
// waiting: if another process holds it, the error is a *HeldError naming
// the holder. what describes this process for a later HeldError, such as
// the command line.
func Acquire(dir, what string) (*Lock, error) {
	path := filepath.Join(dir, Name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("dirlock: %w", err)
	}
	if err := flock(f); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, errLocked) {
			return nil, &HeldError{Dir: dir, Holder: strings.TrimSpace(string(holder))}
		}
		return nil, fmt.Errorf("dirlock: %s: %w (on a file system without locks, such as some NFS mounts, run one writer at a time by hand)", path, err)
	}
	// Who holds it, for the others' errors; the lock, not the content,
	// is what excludes.
	note := "pid " + strconv.Itoa(os.Getpid()) + ", since " + time.Now().UTC().Format(time.RFC3339) + ", " + what + "\n"
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(note), 0)
	}
	return &Lock{f}, nil
}

// Unlock releases the lock. The lock file stays, so that the next Acquire
// takes the lock of the same file (a file removed while locked would let a
// second process lock a new one).
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := l.f.Close() // closing the descriptor releases the flock
	l.f = nil
	return err
}
