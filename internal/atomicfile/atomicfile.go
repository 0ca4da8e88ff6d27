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
	defer func() {
		if err != nil {
			err = fmt.Errorf("atomicfile: write %s: %w", path, err)
		}
	}()
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		// Also on a panic in write, when err is still nil.
		if !renamed {
			f.Close() // a second Close only returns an error
			os.Remove(tmp)
		}
	}()

	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	renamed = true
	if err := SyncDir(dir); err != nil {
		return fmt.Errorf("sync directory after rename: %w", err)
	}
	return nil
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
