//go:build unix

package dirlock

import (
	"errors"
	"os"
	"syscall"
)

// Supported reports whether Acquire excludes other processes here.
const Supported = true

var errLocked = errors.New("locked")

func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch err {
		case nil:
			return nil
		case syscall.EINTR:
			continue
		case syscall.EWOULDBLOCK:
			return errLocked
		}
		return err
	}
}
