//go:build unix

package runner

import (
	"fmt"
	"os"
	"syscall"
)

// interrupt is the first signal sent to a worker that does not exit.
var interrupt os.Signal = os.Interrupt

// workerFiles returns the pipes a worker inherits as file descriptors 3
// and 4. They are made close-on-exec, so that programs the handler starts
// do not hold them open, and non-blocking, so that the runtime poller
// serves them.
func workerFiles() (in, out *os.File, err error) {
	for _, fd := range []int{3, 4} {
		if err := syscall.SetNonblock(fd, true); err != nil {
			return nil, nil, fmt.Errorf("file descriptor %d: %w (was this process started by a runner.Pool?)", fd, err)
		}
		syscall.CloseOnExec(fd)
	}
	return os.NewFile(3, "runner-tasks"), os.NewFile(4, "runner-results"), nil
}
