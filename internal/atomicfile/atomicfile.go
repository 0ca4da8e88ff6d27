package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFile writes the file at path with the output of write, atomically
// and durably: write's output goes to a temporary file in the same
// directory, which is flushed, synced and closed, then renamed over path,
// and finally the directory is synced so that the rename survives a crash.
// Readers see either the old file or the complete new one, never a part.
//
// If write or any step before the rename fails (or write panics), path is
// left as it was and the temporary file is removed; the error names path.
// If only the final directory sync fails, the new file is in place but the
// rename may not survive a crash, and WriteFile says so. The new file has
// mode 0644.
func WriteFile(path string, write func(io.Writer) error) error {
	return WriteFileAt(path, func(f *os.File) error {
		bw := bufio.NewWriter(f)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// WriteFileAt is WriteFile for a file written out of order: write gets
// the temporary file itself, to write, seek, read back and truncate as
// it needs, and leaves it open; the rest is as for WriteFile.
func WriteFileAt(path string, write func(*os.File) error) (err error) {
	f, err := Create(path)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		// Also on a panic in write, when err is still nil.
		if !committed {
			f.Abort()
		}
	}()
	if err := write(f.File); err != nil {
		return fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	committed = true
	return f.Commit()
}

// A File is the temporary file of a file being written atomically: its
// writer fills it, for as long as it needs, then Commit puts it in place
// or Abort removes it. Until Commit, path is as it was.
type File struct {
	*os.File
	path string
	done bool

	// Requests to the goroutine that starts writeback, once WriteBack
	// started it, and its end.
	wb     chan struct{}
	wbDone chan struct{}
}

// WriteBack asks the system to start writing the file's data to disk
// without waiting for it, so that Commit's sync has less left to wait
// for: a file written over seconds is then mostly on disk by the time it
// is committed, its writes overlapped with the work that made them. It
// returns at once: the request runs on a goroutine of its own, requests
// made while one runs are merged, and its errors are ignored, since
// Commit's sync reports them. Where the system cannot start writeback
// alone (other than Linux's sync_file_range), it does nothing. Like the
// other methods, it is not to be called concurrently with them.
func (f *File) WriteBack() {
	if f.done || !canWriteBack {
		return
	}
	if f.wb == nil {
		f.wb, f.wbDone = make(chan struct{}, 1), make(chan struct{})
		go func() {
			defer close(f.wbDone)
			for range f.wb {
				writeBack(f.File)
			}
		}()
	}
	select {
	case f.wb <- struct{}{}:
	default: // one is queued already
	}
}

// stopWriteBack waits for the writeback goroutine to be done, if there
// is one, before the file is closed.
func (f *File) stopWriteBack() {
	if f.wb != nil {
		close(f.wb)
		<-f.wbDone
		f.wb = nil
	}
}

// Create creates the temporary file of path, in path's directory, named
// so that RemoveTemps finds it.
func Create(path string) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: write %s: %w", path, err)
	}
	return &File{File: f, path: path}, nil
}

// Commit syncs and closes the file, renames it over its path and syncs
// the directory, as WriteFile does after write. On an error before the
// rename, the temporary file is removed and path left as it was.
func (f *File) Commit() (err error) {
	if f.done {
		return fmt.Errorf("atomicfile: write %s: committed or aborted already", f.path)
	}
	f.done = true
	f.stopWriteBack()
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			f.File.Close() // a second Close only returns an error
			os.Remove(tmp)
		}
		if err != nil {
			err = fmt.Errorf("atomicfile: write %s: %w", f.path, err)
		}
	}()
	if err := f.Chmod(0o644); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.File.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return err
	}
	renamed = true
	if err := SyncDir(filepath.Dir(tmp)); err != nil {
		return fmt.Errorf("sync directory after rename: %w", err)
	}
	return nil
}

// Abort closes and removes the temporary file, leaving path as it was.
// After Commit it does nothing.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.stopWriteBack()
	f.File.Close()
	os.Remove(f.Name())
}

// SyncDir makes the entries of directory dir durable: a file created,
// renamed or removed in dir survives a crash once SyncDir returns nil. It
// returns the error of opening, syncing or closing dir. Windows cannot sync
// a directory, and needs no such step; there SyncDir does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// RemoveTemps removes the temporary files that WriteFile calls in dir left
// behind when their process was killed before the rename, and returns how
// many it removed. Call it only while no WriteFile into dir can be running
// (under the directory's writer lock).
func RemoveTemps(dir string) int {
	names, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	n := 0
	for _, name := range names {
		if fi, err := os.Lstat(name); err == nil && fi.Mode().IsRegular() && os.Remove(name) == nil {
			n++
		}
	}
	return n
}
