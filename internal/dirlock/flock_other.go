//go:build !unix

package dirlock

import (
	"errors"
	"os"
)

// Supported reports whether Acquire excludes other processes here.
const Supported = false

var errLocked = errors.New("locked")

func flock(*os.File) error { return nil }
