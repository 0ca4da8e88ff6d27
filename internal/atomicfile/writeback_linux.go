package atomicfile

import (
	"os"

	"golang.org/x/sys/unix"
)

const canWriteBack = true

// writeBack starts writeback of f's dirty pages, all of them, without
// waiting for it (sync_file_range(2) with SYNC_FILE_RANGE_WRITE only).
func writeBack(f *os.File) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.SyncFileRange(int(fd), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
	})
}
