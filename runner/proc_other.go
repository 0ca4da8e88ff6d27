//go:build !unix

package runner

import (
	"errors"
	"os"
	"syscall"
)

// Worker processes need inherited file descriptors 3 and 4, which
// os/exec supports on Unix only; InProcess pools work everywhere.

var interrupt os.Signal = os.Kill

func sysProcAttr() *syscall.SysProcAttr { return nil }

func workerFiles() (in, out *os.File, err error) {
	return nil, nil, errors.New("worker processes are not supported on this system")
}

func killGroup(pid int) {}

func dieWithGroup() {}

func exitWithGroup(code int) { os.Exit(code) }
